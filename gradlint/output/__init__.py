"""Report formats. Each format is a module with ``render(report) -> str``.

The registry maps ``--format`` names to modules so that only the chosen formatter is
imported.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.analyzer.findings import Finding

FORMATS: dict[str, str] = {
    "text": "gradlint.output.text",
    "json": "gradlint.output.json_format",
    "github": "gradlint.output.github",
    "sarif": "gradlint.output.sarif",
    "gitlab": "gradlint.output.gitlab",
    "junit": "gradlint.output.junit",
}


@dataclass
class Report:
    findings: list[Finding]
    files_checked: int
    quiet: bool = False
    show_source: bool = False
    #: What --fix changed (count of fixes applied); None when --fix was not given.
    fixed: int | None = None
    #: Folder that relative paths in the report are relative to.
    root: Path = field(default_factory=Path.cwd)
    #: ``--show-fixes``: mark fixable findings; with --fix, list what was fixed.
    show_fixes: bool = False
    #: What --fix changed, per file (``gradlint.fixing.FileFix``); None without --fix.
    applied: list | None = None
    #: ANSI colours in the text format.
    color: bool = False


def get_renderer(name: str) -> Callable[[Report], str]:
    return importlib.import_module(FORMATS[name]).render


#: Control characters (C0 but tab, DEL, C1): in a file name or a message they could end a
#: report line early (and forge the next, such as a GitHub ``::error`` command) or drive
#: the terminal (ESC sequences).
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def printable(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` with every control character written as a Python escape (``\\n``,
    ``\\x1b``): what a report line shows is what the name or message holds.
    ``keep_line_breaks`` for a format that encodes those itself (GitHub's ``%0A``)."""
    if not _CONTROLS.search(text):
        return text

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if keep_line_breaks and char in "\r\n":
            return char
        return _NAMED.get(char, f"\\x{ord(char):02x}")

    return _CONTROLS.sub(escape, text)


def json_text(value: object) -> str:
    """JSON for a report: ``json`` escapes C0 controls; DEL and C1 are escaped too, since
    ``ensure_ascii=False`` would write them raw (where a terminal may obey them)."""
    import json

    text = json.dumps(value, indent=2, ensure_ascii=False)
    return re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
