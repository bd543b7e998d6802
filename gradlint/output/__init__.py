"""Report formats. Each format is a module with ``render(report) -> str``.

The registry maps ``--format`` names to modules so that only the chosen formatter is
imported.
"""

from __future__ import annotations

import importlib
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
