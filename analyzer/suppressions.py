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


#: The code of the unused-noqa check (it reads the other rules' findings before suppression).
UNUSED_NOQA = "GL100"
#: Codes gradlint owns in a ``noqa`` list; other tools' codes (E501, F401) are never judged.
_OWN_PREFIX = "GL"


def may_have_unused_noqa(text: str, codes: list[str]) -> bool:
    """Whether the unused-noqa check could report anything in ``text`` (no parse needed)."""
    return UNUSED_NOQA in codes and "noqa" in text.lower() and _OWN_PREFIX in text.upper()


def unused_noqa(
    unit: SourceUnit,
    findings: list[Finding],
    codes: list[str],
    *,
    known: frozenset[str],
    severity: str,
) -> list[Finding]:
    """GL100 findings: ``# noqa: GLnnn`` codes that silence nothing in this run.

    ``findings`` are the findings before suppression. A code counts as unused only when its
    rule ran (``codes``) and found nothing on that line, or when no gradlint rule has that
    code; a bare ``noqa``, other tools' codes, and codes of rules that did not run are left
    alone. Directives are confirmed to be real comments, so ``"# noqa: GL001"`` in a string
    is not one. ``known`` are every rule's codes, ``severity`` is GL100's.
    """
    if not may_have_unused_noqa(unit.text, codes):
        return []
    comments = _comment_lines(unit.text)
    if comments is None:
        return []
    used: dict[int, set[str]] = {}
    for finding in findings:
        used.setdefault(_text_line(unit, finding), set()).add(finding.code)
    out = []
    for number, line in enumerate(split_lines(unit.text), start=1):
        if number not in comments:
            continue
        match = _NOQA.search(line)
        if match is None or not match.group("codes") or match.start() < comments[number]:
            continue
        listed = [c.upper() for c in re.split(r"[,\s]+", match.group("codes")) if c]
        if UNUSED_NOQA in listed:
            continue  # the directive silences this check itself
        unknown = [c for c in listed if c.startswith(_OWN_PREFIX) and c not in known]
        unused = [
            c for c in listed if c in known and c in codes and c not in used.get(number, set())
        ]
        if not unknown and not unused:
            continue
        dropped = unused + unknown
        out.append(_unused_finding(unit, number, line, match, listed, dropped, unknown, severity))
    return out


def _comment_lines(text: str) -> dict[int, int] | None:
    """Line -> 0-based column where its comment starts; None when the text does not tokenize."""
    found: dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.start[1]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return found


def _unused_finding(unit, number, line, match, listed, dropped, unknown, severity) -> Finding:
    from gradlint.analyzer.findings import Edit, Fix

    kept = [c for c in listed if c not in dropped]
    parts = []
    unused = [c for c in dropped if c not in unknown]
    if unused:
        parts.append(f"unused: {', '.join(unused)}")
    if unknown:
        parts.append(f"unknown: {', '.join(unknown)}")
    cell, cell_line, file_line = unit.locate(number)
    if kept:
        start, end = match.span("codes")
        edit_start, content = start, ", ".join(kept)
        description = f"remove {', '.join(dropped)} from the noqa directive"
    else:
        # The whole directive goes, with the blanks before it; text after it stays.
        end = match.end()
        edit_start = len(line[: match.start()].rstrip())
        content = ""
        if line[end:].strip():
            edit_start, content = match.start(), "#"
        description = "remove the unused noqa directive"
    edit = Edit(cell_line, edit_start + 1, cell_line, end + 1, content, cell)
    return Finding(
        code=UNUSED_NOQA,
        message=f"unused noqa directive ({'; '.join(parts)})",
        path=unit.path,
        line=cell_line,
        column=match.start() + 1,
        end_line=cell_line,
        end_column=match.end() + 1,
        severity=severity,
        cell=cell,
        fix=Fix(description, (edit,)),
        file_line=file_line,
    )
