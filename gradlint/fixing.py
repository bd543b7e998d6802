"""``--fix`` and ``--diff``: apply the fixes findings carry, safely.

A fix is only written when all of this holds, otherwise the file is left byte for byte as it
was and the reason is reported:

- the file is re-read and re-analyzed, and only fixes found again at the same place are
  applied (the edits then match the bytes on disk, even if the file changed since the lint);
- the file parses before, and the result parses after;
- edits of different fixes never overlap (a fix that would is left for the next run);
- the file keeps its encoding (and byte-order mark), its newline style, its permissions and
  its owner, and is replaced atomically, after checking at the last moment that its bytes
  are still those the fix was made from (an edit saved meanwhile is never overwritten);
- a symlink is fixed through: its target is replaced and the link stays. A read-only file,
  and a file with several hard links (replacing it would split them), are left alone with
  a message.

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
    findings: Iterable[Finding],
    *,
    write: bool,
    codes: list[str] | None = None,
    settings=None,
) -> FixOutcome:
    """Apply (``write=True``) or preview the fixes of ``findings``, file by file.

    ``codes`` are the rules of the run: the unused-noqa check (GL100) judges the other rules'
    findings, so it is re-run with the same rules (default: the codes of ``findings``).
    With the run's ``settings``, fixes that the first ones reveal are applied too, so a
    second run changes nothing.
    """
    outcome = FixOutcome()
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.edits:
            by_path.setdefault(finding.path, []).append(finding)
    diffs: list[str] = []
    paths = sorted(by_path)
    for path, plan in zip(
        paths, _plans([(path, by_path[path], settings, codes) for path in paths]), strict=True
    ):
        try:
            if isinstance(plan, FixError):
                raise plan
            if plan is None:
                continue
            if write:
                _write(plan)
        except FixError as exc:
            outcome.errors.append(f"{path}: not fixed: {exc}")
            continue
        diffs.append(plan.diff)
        outcome.fixed += len(plan.codes)
        outcome.files.append(FileFix(path, plan.codes))
    outcome.diff = "".join(diffs)
    return outcome


@dataclass
class _Plan:
    """A file's fixed content, and what it was made from."""

    path: str
    #: Where the bytes live: a symlink's target is fixed through the link.
    real: str
    raw: bytes
    new_raw: bytes
    diff: str
    codes: list[str]


def _plans(jobs: list[tuple]) -> list[_Plan | FixError | None]:
    """Each file's plan, made in a worker process: re-analyzing and re-parsing must not be
    able to crash this one (see :mod:`gradlint.workers`)."""
    import sys

    if not jobs:
        return []
    if sys.platform.startswith("linux"):
        from gradlint.runner import _memory_limit, _time_limit
        from gradlint.workers import TIMED_OUT, run_tasks

        try:
            _, results, failures = run_tasks(
                jobs,
                _plan_or_error,
                1,
                time_limit=_time_limit(),
                memory_limit=_memory_limit(),
            )
        except OSError:
            pass  # no processes on this system: planned here below
        else:
            return [
                results[i]
                if i in results
                else FixError(
                    "the analysis took too long"
                    if failures[i] == TIMED_OUT
                    else "the analysis process crashed"
                )
                if i in failures
                else _plan_or_error(job)  # no process could be started for it
                for i, job in enumerate(jobs)
            ]
    return [_plan_or_error(job) for job in jobs]


def _plan_or_error(job: tuple) -> _Plan | FixError | None:
    try:
        return _plan(*job)
    except FixError as exc:
        return exc
    except MemoryError:
        return FixError("the file is too complex to fix (out of memory)")
    except Exception as exc:  # noqa: BLE001 - one file's bug must not end the run
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return FixError(f"internal error: {detail} (please report this)")


#: Rounds of fixes per file at most (each one re-analyzes the fixed text).
_MAX_ROUNDS = 10


def _one_round(raw: bytes, unit, fresh: list[Finding], path: str, notebook: bool):
    """The file's bytes with the fixes of ``fresh`` applied, and their codes."""
    if notebook:
        return _fix_notebook(raw, path, fresh)
    new_text, codes = fix_text(unit.text, fresh, with_codes=True)
    _check_parses(new_text, path)
    new_raw = new_text.encode(unit.encoding)
    if raw.startswith(codecs.BOM_UTF8) and not new_raw.startswith(codecs.BOM_UTF8):
        new_raw = codecs.BOM_UTF8 + new_raw
    return new_raw, codes


def _fixable_findings(unit, settings, codes: list[str] | None) -> list[Finding]:
    """What the run's settings report in ``unit`` that carries a fix."""
    from gradlint.api import apply_per_file_ignores, enabled_codes
    from gradlint.engine import analyze_unit

    found = analyze_unit(unit, codes or enabled_codes(settings))
    return [f for f in apply_per_file_ignores(found, settings) if f.fix is not None]


def _plan(
    path: str, wanted: list[Finding], settings=None, codes: list[str] | None = None
) -> _Plan | None:
    import os

    from gradlint.analyzer.notebooks import load_notebook
    from gradlint.analyzer.sources import (
        SourceError,
        SourceUnit,
        decode_python,
        read_source_bytes,
    )

    real = os.path.realpath(path)
    try:
        raw = read_source_bytes(real)
    except OSError as exc:
        raise FixError(f"cannot read: {exc.strerror or exc}") from None
    fs_path = Path(path)
    notebook = fs_path.suffix == ".ipynb"
    unit = load_notebook(raw, path) if notebook else decode_python(raw, path)
    if isinstance(unit, SourceError):
        raise FixError(unit.message)
    fresh = _current_findings(unit, wanted, codes)
    current_raw, current_unit, applied = raw, unit, []
    # A fix can reveal another (an uncommented update whose arguments are swapped): apply
    # rounds until nothing fixable is left, so that a second --fix changes nothing.
    for _ in range(_MAX_ROUNDS):
        if not fresh:
            break
        new_raw, round_codes = _one_round(current_raw, current_unit, fresh, path, notebook)
        if not round_codes or new_raw == current_raw:
            break
        applied += round_codes
        current_raw = new_raw
        current_unit = load_notebook(new_raw, path) if notebook else decode_python(new_raw, path)
        if isinstance(current_unit, SourceError) or settings is None:
            break
        fresh = _fixable_findings(current_unit, settings, codes)
    new_raw = current_raw
    if notebook:
        old_text = raw.decode(unit.encoding, errors="replace")
        new_text = new_raw.decode(unit.encoding, errors="replace")
    else:
        old_text = unit.text
        new_text = current_unit.text if isinstance(current_unit, SourceUnit) else old_text
    if new_raw == raw or not applied:
        return None
    diff = "".join(_diff_lines(old_text.splitlines(True), new_text.splitlines(True), path))
    return _Plan(path, real, raw, new_raw, diff, applied)


def _write(plan: _Plan) -> None:
    from gradlint.atomic import EditedMeanwhile, NotReplaced, replace_in_place

    try:
        replace_in_place(plan.real, plan.raw, plan.new_raw)
    except EditedMeanwhile:
        raise FixError("the file changed while it was being fixed; run --fix again") from None
    except NotReplaced as exc:
        raise FixError(str(exc)) from None


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
    try:
        # LibCST accepts a little that CPython does not (tabs it treats as spaces): the
        # file compiled before the fix, so it must compile after it.
        compile(text, path, "exec", flags=0x400, dont_inherit=True)  # ONLY_AST
    except (SyntaxError, ValueError):
        raise FixError("the fixed code would not compile; nothing was changed") from None
    except (RecursionError, MemoryError):
        pass  # too deep for this check; LibCST parsed it


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
