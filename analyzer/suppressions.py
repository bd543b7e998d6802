"""``# noqa``, ``# noqa: GL001,GL002`` and ``# gradlint: skip-file``, as flake8/ruff read them.

Matching is case-insensitive. A finding spanning several lines is silenced by a ``noqa`` on
its first line, the line the finding is reported at. ``noqa`` is read from the physical line,
like flake8 does, so it needs no tokenizer; ``skip-file`` silences a whole file, so a hit is
confirmed to be a real comment (not text inside a string, such as a test of this module)
before the file is skipped.
"""

from __future__ import annotations

import io
import re
import tokenize

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceUnit, split_lines

_CODE = r"[A-Z]+[0-9]+"
#: A bare noqa comment, or one followed by ``:`` and codes separated by commas or spaces.
#: Anything else after the colon (e.g. "see below") makes it a bare noqa, as in flake8.
_NOQA = re.compile(
    rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:[,\s]+{_CODE})*)(?![\w-]))?(?![\w-])",
    re.IGNORECASE,
)
_SKIP_FILE = re.compile(r"#\s*gradlint\s*:\s*skip-file(?![\w-])", re.IGNORECASE)


def is_skip_file(text: str) -> bool:
    """Whether a ``# gradlint: skip-file`` comment appears anywhere in ``text``."""
    if "skip-file" not in text.lower() or _SKIP_FILE.search(text) is None:
        return False
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return any(tok.type == tokenize.COMMENT and _SKIP_FILE.match(tok.string) for tok in tokens)
    except (tokenize.TokenError, SyntaxError, ValueError):
        # Source the tokenizer rejects (e.g. a notebook cell that is not Python): the text
        # asked to be skipped, and honouring that is the safer reading.
        return True


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
    lines = split_lines(unit.text)
    kept = []
    for finding in findings:
        text_line = _text_line(unit, finding)
        codes = noqa_codes(lines[text_line - 1]) if 0 < text_line <= len(lines) else None
        if codes is None or (codes and finding.code not in codes):
            kept.append(finding)
    return kept


def _text_line(unit: SourceUnit, finding: Finding) -> int:
    """The line of ``unit.text`` a finding starts on (findings in notebooks count per cell)."""
    if finding.cell is None:
        return finding.line
    for span in unit.cells:
        if span.cell == finding.cell:
            return span.first_line + finding.line - 1
    return finding.line
