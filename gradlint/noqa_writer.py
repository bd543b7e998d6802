"""``--add-noqa``: silence today's findings in place, as ``ruff --add-noqa`` does.

Each flagged line (the first line of a finding, where ``noqa`` is read) gets ``# noqa: CODE``;
a line that already has a ``noqa`` with codes gets the new codes added to it, and a bare
``noqa`` already silences everything. Running it twice changes nothing the second time. A file
is written atomically and only if it still compiles afterwards, with ``--fix``'s care
(through symlinks, mode and owner kept, read-only and hard-linked files and edits saved
meanwhile left alone); its encoding, newlines and
other bytes stay as they were. Notebooks are left alone (a comment added to a cell's JSON
string is better added in the notebook editor), and so is a line that ends in a backslash
continuation or inside a string, where a comment cannot go.
"""

from __future__ import annotations

import codecs
import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import read_source_bytes
from gradlint.analyzer.suppressions import UNUSED_NOQA
from gradlint.atomic import NotReplaced, replace_in_place

#: The compile check (a seam for tests that simulate an edit saved meanwhile).
_check_compiles = compile


@dataclass
class NoqaOutcome:
    added: int = 0
    files: int = 0
    errors: list[str] = field(default_factory=list)


def add_noqa(findings: list[Finding]) -> NoqaOutcome:
    outcome = NoqaOutcome()
    by_path: dict[str, dict[int, set[str]]] = {}
    for finding in findings:
        if finding.code == UNUSED_NOQA:
            continue  # the fix of an unused directive is to remove it, not to silence it
        if finding.cell is not None or finding.path.endswith(".ipynb"):
            outcome.errors.append(
                f"{finding.location()}: not annotated: --add-noqa does not edit notebooks"
            )
            continue
        by_path.setdefault(finding.path, {}).setdefault(finding.line, set()).add(finding.code)
    for path, lines in sorted(by_path.items()):
        try:
            added = _annotate(Path(path), lines)
        except _Skip as exc:
            outcome.errors.append(f"{path}: not annotated: {exc}")
            continue
        if added:
            outcome.added += added
            outcome.files += 1
    return outcome


class _Skip(Exception):
    pass


def _annotate(path: Path, wanted: dict[int, set[str]]) -> int:
    from gradlint.analyzer.sources import SourceError, decode_python
    from gradlint.analyzer.suppressions import noqa_codes

    real = os.path.realpath(path)
    try:
        raw = read_source_bytes(real)
    except OSError as exc:
        raise _Skip(f"cannot read: {exc.strerror or exc}") from None
    unit = decode_python(raw, str(path))
    if isinstance(unit, SourceError):
        raise _Skip(unit.message)
    lines = unit.text.splitlines(keepends=True)
    comment_lines = _lines_that_take_a_comment(unit.text)
    added = 0
    for number, codes in sorted(wanted.items()):
        if not 1 <= number <= len(lines):
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        present = noqa_codes(body)
        if present is not None and (not present or codes <= present):
            continue  # already silenced
        if number not in comment_lines:
            raise _Skip(f"line {number}: a comment cannot be added there")
        if present is None:
            lines[number - 1] = f"{body}  # noqa: {', '.join(sorted(codes))}{ending}"
        else:
            lines[number - 1] = _extend(body, present | codes) + ending
        added += len(codes - (present or set()))
    if not added:
        return 0
    new_text = "".join(lines)
    try:
        _check_compiles(new_text, str(path), "exec", flags=0x400, dont_inherit=True)
    except (SyntaxError, ValueError):
        raise _Skip("the annotated file would not compile") from None
    new_raw = new_text.encode(unit.encoding)
    if raw.startswith(codecs.BOM_UTF8) and not new_raw.startswith(codecs.BOM_UTF8):
        new_raw = codecs.BOM_UTF8 + new_raw
    try:
        replace_in_place(real, raw, new_raw)
    except NotReplaced as exc:
        raise _Skip(str(exc)) from None
    return added


def _extend(line: str, codes: set[str]) -> str:
    """``line`` with its ``# noqa: ...`` comment listing ``codes`` (in code order)."""
    from gradlint.analyzer.suppressions import _NOQA

    match = _NOQA.search(line)
    assert match is not None and match.group("codes")
    start, end = match.span("codes")
    return line[:start] + ", ".join(sorted(codes)) + line[end:]


def _lines_that_take_a_comment(text: str) -> set[int]:
    """Lines whose end is outside any string and not a backslash continuation."""
    ends: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                ends.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        pass
    return ends
