"""Source lines and raw-file columns for the formats that show or point at code.

Findings carry positions only. ``--show-source`` needs the line's text, the GitLab fingerprint
needs it to survive unrelated line shifts, and SARIF/GitHub annotations on a notebook need the
column in the raw ``.ipynb`` JSON, where a cell's line sits inside an escaped string. Files are
re-read lazily here, once per path, and only by the formats that ask.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import split_lines

#: A JSON string literal, as it appears on one line of a raw notebook file.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class SourceLines:
    """The analyzed text of the files of one report, read on first use.

    Paths are resolved against ``root`` (the folder the report's paths are relative to).
    A file that can no longer be read simply has no lines: reports never fail on it.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path.cwd()
        self._units: dict[str, object] = {}

    def _unit(self, path: str):
        if path not in self._units:
            from gradlint.analyzer.sources import SourceError, load_source

            fs_path = Path(path) if Path(path).is_absolute() else self.root / path
            loaded = load_source(fs_path, path)
            self._units[path] = None if isinstance(loaded, SourceError) else loaded
        return self._units[path]

    def line(self, finding: Finding, line: int | None = None) -> str | None:
        """The text of ``line`` (default: the finding's first line) as the analyzer saw it.

        For a notebook, ``line`` counts within the finding's cell.
        """
        unit = self._unit(finding.path)
        if unit is None:
            return None
        number = finding.line if line is None else line
        if finding.cell is not None:
            span = next((s for s in unit.cells if s.cell == finding.cell), None)
            if span is None or not 1 <= number <= span.line_count:
                return None
            number = span.first_line + number - 1
        lines = split_lines(unit.text)
        return lines[number - 1] if 1 <= number <= len(lines) else None

    def raw_line(self, path: str, line: int) -> str | None:
        """Line ``line`` of the file as stored on disk (for notebooks: the JSON text)."""
        unit = self._unit(path)
        if unit is None or not unit.raw:
            return None
        lines = _raw_lines(unit.raw)
        return lines[line - 1] if 1 <= line <= len(lines) else None

    def raw_columns(self, finding: Finding) -> tuple[int, int] | None:
        """``(column, end_column)`` of a one-line notebook finding in the raw ``.ipynb`` line.

        None when the finding is not in a notebook, spans lines, or its cell line is not stored
        as one JSON string on that raw line (then annotations fall back to whole lines).
        """
        if finding.cell is None or finding.end_line != finding.line:
            return None
        text = self.line(finding)
        raw = self.raw_line(finding.path, finding.annotation_line)
        if text is None or raw is None:
            return None
        for match in _JSON_STRING.finditer(raw):
            try:
                value = json.loads(match.group())
            except ValueError:
                continue
            if value.rstrip("\r\n") != text:
                continue
            start = _raw_column(match.group(), finding.column)
            end = _raw_column(match.group(), finding.end_column)
            if start is None or end is None:
                return None
            return match.start() + start, match.start() + end
        return None


@lru_cache(maxsize=32)
def _raw_lines(raw: bytes) -> list[str]:
    return split_lines(raw.decode("utf-8", errors="replace"))


def _raw_column(literal: str, column: int) -> int | None:
    """The 1-based column inside ``literal`` (quotes included) of decoded column ``column``.

    Walks the escapes: ``\\n`` and ``\\uXXXX`` take several raw characters for one decoded
    one, and a surrogate pair takes twelve for one code point.
    """
    i, decoded = 1, 1
    while decoded < column:
        if i >= len(literal) - 1:
            return None
        if literal[i] == "\\":
            if literal[i + 1] == "u":
                high = int(literal[i + 2 : i + 6], 16)
                i += 6
                if 0xD800 <= high < 0xDC00 and literal[i : i + 2] == "\\u":
                    i += 6
            else:
                i += 2
        else:
            i += 1
        decoded += 1
    return i + 1
