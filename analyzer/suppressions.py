"""``# noqa``, ``# noqa: GL001,GL002`` and ``# gradlint: skip-file``, as flake8/ruff read them.

Matching is case-insensitive. A finding spanning several lines is silenced by a ``noqa`` on
its first line.
"""

from __future__ import annotations

import re

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceUnit

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_SKIP_FILE = re.compile(r"#\s*gradlint\s*:\s*skip-file\b", re.IGNORECASE)


def is_skip_file(text: str) -> bool:
    return "skip-file" in text and _SKIP_FILE.search(text) is not None


def noqa_codes(line: str) -> set[str] | None:
    """None when the line has no noqa; an empty set for a bare noqa (silences everything)."""
    if "noqa" not in line.lower():
        return None
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return set()
    return {c.upper() for c in re.split(r"[,\s]+", codes) if c}


def filter_noqa(unit: SourceUnit, findings: list[Finding]) -> list[Finding]:
    if not findings or "noqa" not in unit.text.lower():
        return findings
    lines = unit.text.splitlines()
    kept = []
    for finding in findings:
        text_line = _text_line(unit, finding)
        codes = noqa_codes(lines[text_line - 1]) if 0 < text_line <= len(lines) else None
        if codes is None or (codes and finding.code not in codes):
            kept.append(finding)
    return kept


def _text_line(unit: SourceUnit, finding: Finding) -> int:
    if finding.cell is None:
        return finding.line
    for span in unit.cells:
        if span.cell == finding.cell:
            return span.first_line + finding.line - 1
    return finding.line
