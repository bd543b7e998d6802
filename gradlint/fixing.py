"""``--fix`` and ``--diff``: apply the fixes findings carry, safely.

A fix is only written when all of this holds, otherwise the file is left byte for byte as it
was and the reason is reported:

- the file is re-read and re-analyzed, and only fixes found again at the same place are
  applied (the edits then match the bytes on disk, even if the file changed since the lint);
- the file parses before, and the result parses after;
- edits of different fixes never overlap (a fix that would is left for the next run);
- the file keeps its encoding (and byte-order mark), its newline style and its permissions,
  and is replaced atomically.

Applying the fixes of one run removes their findings, so a second run changes nothing.
"""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.analyzer.findings import Edit, Finding

_NEWLINES = ("\r\n", "\r", "\n")


class FixError(ValueError):
    """A fix that cannot be applied; the message is one line fit for the user."""


@dataclass
class FileFix:
    path: str
    #: ``CODE`` of each applied fix, in position order.
    codes: list[str] = field(default_factory=list)


@dataclass
class FixOutcome:
    #: Unified diff of every changed file (``--diff`` prints it).
    diff: str = ""
    #: Number of fixes applied (or, with ``write=False``, that would be).
    fixed: int = 0
    files: list[FileFix] = field(default_factory=list)
    #: One line per file that could not be fixed: ``path: reason``.
    errors: list[str] = field(default_factory=list)


def apply_fixes(
    findings: Iterable[Finding], *, write: bool, codes: list[str] | None = None
) -> FixOutcome:
    """Apply (``write=True``) or preview the fixes of ``findings``, file by file.

    ``codes`` are the rules of the run: the unused-noqa check (GL100) judges the other rules'
    findings, so it is re-run with the same rules (default: the codes of ``findings``).
    """
    outcome = FixOutcome()
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.edits:
            by_path.setdefault(finding.path, []).append(finding)
    diffs: list[str] = []
    for path in sorted(by_path):
        try:
            result = _fix_file(path, by_path[path], write=write, codes=codes)
        except FixError as exc:
            outcome.errors.append(f"{path}: not fixed: {exc}")
            continue
        if result is None:
            continue
        diff, applied = result
        diffs.append(diff)
        outcome.fixed += len(applied)
        outcome.files.append(FileFix(path, applied))
    outcome.diff = "".join(diffs)
    return outcome


def _fix_file(
    path: str, wanted: list[Finding], *, write: bool, codes: list[str] | None = None
) -> tuple[str, list[str]] | None:
    from gradlint.analyzer.sources import SourceError, decode_python

    fs_path = Path(path)
    try:
        raw = fs_path.read_bytes()
    except OSError as exc:
        raise FixError(f"cannot read: {exc.strerror or exc}") from None
    notebook = fs_path.suffix == ".ipynb"
    if notebook:
        from gradlint.analyzer.notebooks import load_notebook

        unit = load_notebook(raw, path)
    else:
        unit = decode_python(raw, path)
    if isinstance(unit, SourceError):
        raise FixError(unit.message)
    fresh = _current_findings(unit, wanted, codes)
    if not fresh:
        return None
    if notebook:
        new_raw, applied = _fix_notebook(raw, path, fresh)
        old_text = raw.decode(unit.encoding, errors="replace")
        new_text = new_raw.decode(unit.encoding, errors="replace")
    else:
        old_text = unit.text
        new_text, applied = fix_text(unit.text, fresh, with_codes=True)
        _check_parses(new_text, path)
        new_raw = new_text.encode(unit.encoding)
        if raw.startswith(codecs.BOM_UTF8) and not new_raw.startswith(codecs.BOM_UTF8):
            new_raw = codecs.BOM_UTF8 + new_raw
    if new_raw == raw or not applied:
        return None
    if write:
        from gradlint.atomic import write_bytes_atomic

        try:
            write_bytes_atomic(fs_path, new_raw)
        except OSError as exc:
            raise FixError(f"cannot write: {exc.strerror or exc}") from None
    diff = "".join(_diff_lines(old_text.splitlines(True), new_text.splitlines(True), path))
    return diff, applied


def _diff_lines(old: list[str], new: list[str], path: str):
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
        yield line if line.endswith(_NEWLINES) else line + "\n\\ No newline at end of file\n"


def _current_findings(unit, wanted: list[Finding], codes: list[str] | None = None) -> list[Finding]:
    """The fixable findings of ``wanted`` that the file on disk still has, freshly computed."""
    from gradlint.analyzer.parsing import parse_unit
    from gradlint.analyzer.sources import SourceError
    from gradlint.engine import analyze_unit

    if isinstance(parse_unit(unit), SourceError):
        raise FixError("the file does not parse")
    codes = codes or sorted({f.code for f in wanted})
    keys = {(f.code, f.cell, f.line, f.column) for f in wanted}
    fresh = analyze_unit(unit, codes)
    return [f for f in fresh if f.fix is not None and (f.code, f.cell, f.line, f.column) in keys]


def _check_parses(text: str, path: str) -> None:
    from gradlint.analyzer.parsing import parse_unit
    from gradlint.analyzer.sources import SourceError, SourceUnit

    if isinstance(parse_unit(SourceUnit(path=path, text=text)), SourceError):
        raise FixError("the fixed code would not parse; nothing was changed")


def _fix_notebook(raw: bytes, path: str, findings: list[Finding]) -> tuple[bytes, list[str]]:
    from gradlint.analyzer.notebooks import NotebookEditError, apply_cell_edits, load_notebook
    from gradlint.analyzer.parsing import parse_unit
    from gradlint.analyzer.sources import SourceError

    chosen, codes = _non_overlapping(findings, cells=True)
    try:
        new_raw = apply_cell_edits(raw, chosen)
    except NotebookEditError as exc:
        raise FixError(str(exc)) from None
    unit = load_notebook(new_raw, path)
    if isinstance(unit, SourceError) or isinstance(parse_unit(unit), SourceError):
        raise FixError("the fixed notebook would not parse; nothing was changed")
    return new_raw, codes


def _non_overlapping(findings: list[Finding], *, cells: bool) -> tuple[list[Edit], list[str]]:
    """The edits of every fix that does not overlap an earlier one (by position)."""
    taken: list[tuple[tuple, tuple]] = []
    edits: list[Edit] = []
    codes: list[str] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        assert finding.fix is not None
        spans = [
            ((e.cell or 0, e.line, e.column), (e.cell or 0, e.end_line, e.end_column))
            for e in finding.fix.edits
        ]
        if any(e.cell is None for e in finding.fix.edits) and cells:
            continue
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        taken.extend(spans)
        edits.extend(finding.fix.edits)
        codes.append(finding.code)
    return edits, codes


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1] or a[0] == b[0]


def fix_text(text: str, findings: Iterable[Finding], *, with_codes: bool = False):
    """``text`` (a ``.py`` source) with the fixes of ``findings`` applied, bottom-up.

    Returns the new text, or ``(text, codes)`` with ``with_codes``. Raises
    :class:`FixError` when an edit points outside the text.
    """
    chosen, codes = _non_overlapping([f for f in findings if f.fix is not None], cells=False)
    new = apply_edits(text, chosen)
    return (new, codes) if with_codes else new


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    import re

    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    ends = [m.start() for m in re.finditer(r"\r\n|\r|\n", text)] + [len(text)]

    def offset(line: int, column: int) -> int:
        if not 1 <= line <= len(starts) or column < 1:
            raise FixError(f"an edit points at line {line}, column {column}, outside the file")
        at = starts[line - 1] + column - 1
        if at > ends[line - 1]:
            raise FixError(f"an edit points past the end of line {line}")
        return at

    spans = sorted(
        ((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits),
        reverse=True,
    )
    for start, end, content in spans:
        if end < start:
            raise FixError("an edit ends before it starts")
        text = text[:start] + content + text[end:]
    return text
