"""Runs the enabled rules over one source: prefilter, parse, build the facts, check, suppress.

The engine sits above both `analyzer/` (which knows nothing of rules) and `rules/` (which read
facts): the data path runs path -> source -> slice -> CST -> facts -> rules -> findings.

The prefilter is the cheapest win: a file that contains none of the enabled rules'
``required_text`` is never parsed, and LibCST is not even imported for it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceError, SourceUnit, load_source
from gradlint.analyzer.suppressions import UNUSED_NOQA, may_have_unused_noqa, unused_noqa
from gradlint.rules import RULE_MODULES, get_rule

if TYPE_CHECKING:
    from gradlint.analyzer.slicing import Slice

PARSE_ERROR = "GL000"
#: Codes no parse serves: GL000 is the parse failing, GL100 (unused noqa) reads the comments
#: and the other rules' findings.
_NOT_PARSED = (PARSE_ERROR, UNUSED_NOQA)
#: Sliced parsing (see :mod:`gradlint.analyzer.slicing`) is on unless ``GRADLINT_SLICING=0``
#: (for benchmarks and for checking that it changes nothing).
SLICING = os.environ.get("GRADLINT_SLICING", "1") != "0"
#: The tree walks recurse once per nesting level; deeply nested code needs head room.
RECURSION_LIMIT = 20_000


def required_tokens(codes: list[str]) -> tuple[bytes, ...] | None:
    """The byte strings a file must contain for any of ``codes`` to fire (None: any file)."""
    tokens: set[bytes] = set()
    for code in codes:
        if code in _NOT_PARSED:
            continue
        required = get_rule(code).required_text
        if not required:
            return None
        tokens.update(token.encode() for token in required)
    if UNUSED_NOQA in codes:
        tokens.update((b"noqa", b"NOQA", b"Noqa"))
    return tuple(sorted(tokens))


def needs_parse(text: str, codes: list[str], kind: str = "python") -> bool:
    """Whether any enabled rule (other than GL000) could fire on ``text``."""
    return bool(_rules_that_may_fire(text, codes, kind)) or may_have_unused_noqa(text, codes)


def error_finding(error: SourceError) -> Finding:
    """GL000's finding for a file that could not be read or parsed."""
    return Finding(
        code=PARSE_ERROR,
        message=error.message,
        severity=get_rule(PARSE_ERROR).severity,
        path=error.path,
        line=error.line,
        column=error.column,
        end_line=error.line,
        end_column=error.column,
        cell=error.cell,
        file_line=error.file_line,
    )


def analyze_file(
    fs_path: Path, display_path: str, codes: list[str], *, slicing: bool | None = None
) -> list[Finding]:
    loaded = load_source(fs_path, display_path)
    if isinstance(loaded, SourceError):
        return [error_finding(loaded)] if PARSE_ERROR in codes else []
    return analyze_unit(loaded, codes, slicing=slicing)


class AnalysisResult(list):
    """A file's findings, with the other files they were computed from (absolute path ->
    content digest, see :mod:`gradlint.analyzer.project`): a cached result is stale when one
    of them changes."""

    dependencies: dict[str, str]

    def __init__(self, findings=(), dependencies: dict[str, str] | None = None) -> None:
        super().__init__(findings)
        self.dependencies = dependencies or {}


#: The project model of this process (every file a worker analyzes shares it).
_PROCESS_MODEL: Any = None


def process_project_model() -> Any:
    """This process's :class:`~gradlint.analyzer.summaries.ProjectModel`."""
    global _PROCESS_MODEL
    if _PROCESS_MODEL is None:
        from gradlint.analyzer.summaries import ProjectModel

        _PROCESS_MODEL = ProjectModel(backend=_summary_backend)
    return _PROCESS_MODEL


#: Set by the runner: where summaries persist (None: memory only).
_summary_backend: Any = None


def set_summary_backend(backend: Any) -> None:
    global _summary_backend, _PROCESS_MODEL
    _summary_backend = backend
    if _PROCESS_MODEL is not None:
        _PROCESS_MODEL = None


def analyze_unit(
    unit: SourceUnit,
    codes: list[str],
    *,
    slicing: bool | None = None,
    project: Any = True,
) -> AnalysisResult:
    """All findings of ``codes`` in ``unit``, suppressions applied, sorted by position.

    ``slicing=False`` parses the whole file with LibCST (default: :data:`SLICING`); the
    findings are the same, only slower (tests compare the two). ``project``: True reads the
    project the file belongs to (this process's model), False analyzes the file in
    isolation, and a :class:`~gradlint.analyzer.summaries.ProjectModel` (with in-memory
    sources, for editors) is used as given. A file that is not on disk (and not one of the
    model's overrides) is always analyzed in isolation.
    """
    model = process_project_model() if project is True else project or None
    store = _store(model, unit)
    if store is None:
        model = None
    else:
        store.project.consulted = {}
    with _collector_paused():
        findings = _analyze_unit(unit, codes, slicing, model)
    if unit.cell_errors and PARSE_ERROR in codes:
        # A notebook cell that does not parse is blank in the text the rules saw.
        findings = sorted(
            findings + [error_finding(error) for error in unit.cell_errors],
            key=lambda f: f.sort_key,
        )
    if store is None:
        return AnalysisResult(findings)
    own = Path(os.path.abspath(unit.path))
    dependencies = {str(p): d for p, d in store.project.consulted.items() if p != own}
    return AnalysisResult(findings, dependencies)


def _store(model: Any, unit: SourceUnit) -> Any:
    """The summary store of ``unit``'s project, when the file is placed in one."""
    if model is None:
        return None
    path = Path(os.path.abspath(unit.path))
    if path not in model.overrides and not path.is_file():
        return None
    return model.store_for(path)


def _project_view(model: Any, unit: SourceUnit) -> Any:
    if model is None:
        return None
    try:
        return model.view(os.path.abspath(unit.path), unit.text)
    except (OSError, ValueError, RecursionError):
        return None


#: Set in a batch worker (:func:`collect_between_files`): the cycle collector stays off
#: between files too, and runs only once this many tracked objects have piled up.
_collection_budget: int | None = None
#: About 50 MB of garbage objects: a worker's memory limit is per task, above what the
#: process holds when the task starts, so what waits here never counts against a file.
COLLECTION_BUDGET = 400_000


def collect_between_files(budget: int = COLLECTION_BUDGET) -> None:
    """For a process that analyzes one file after another and then ends (the command
    line's workers): the objects that exist now (imports, the warm-up) are frozen out of
    every later collection, and the collector runs only when ``budget`` objects have piled
    up, instead of after every file. After each file the collector found a few thousand
    objects of garbage among up to a hundred thousand it scanned (the syntax trees that
    the facts' cycles keep until then, and whatever the file's analysis left alive), and
    every tenth collection rescanned the survivors: a tenth of a worker's time on a tree
    such as TensorFlow's. Idempotent."""
    global _collection_budget
    if _collection_budget is None:
        gc.disable()
        gc.freeze()
    _collection_budget = budget


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing allocates hundreds of thousands of objects that live until the file is done,
    and CPython's cycle collector keeps rescanning them: a third of the analysis time. The
    trees hold few cycles, so collection waits until the file is analyzed (in a batch
    worker, until enough garbage piled up: :func:`collect_between_files`)."""
    if _collection_budget is not None:
        try:
            yield
        finally:
            if gc.get_count()[0] > _collection_budget:
                gc.collect()
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _analyze_unit(
    unit: SourceUnit, codes: list[str], slicing: bool | None, model: Any = None
) -> list[Finding]:
    from gradlint.analyzer.suppressions import filter_noqa, is_skip_file

    if is_skip_file(unit.text):
        return []
    if unit.mentions:
        from gradlint.analyzer.code_mentions import remember

        for tokens, offsets in unit.mentions.items():
            remember(unit.text, tokens, offsets)
    rules = _rules_that_may_fire(unit.text, codes, unit.kind)
    if not rules:
        return _unused_noqa(unit, [], codes)
    tokens = _slice_tokens(rules, unit.text) if (SLICING if slicing is None else slicing) else None
    parsed, sliced = _parse(unit, tokens)
    if sliced is not None and sliced.empty:
        return _unused_noqa(unit, [], codes)  # no statement a rule could read
    if isinstance(parsed, SourceError):
        return [error_finding(parsed)] if PARSE_ERROR in codes else []
    from gradlint.analyzer.context import ModuleContext, NeedsWholeFile

    if sliced is None:
        ctx = ModuleContext(unit, parsed, parsed_text=unit.text)
    else:
        ctx = ModuleContext(
            unit,
            parsed,
            sliced.import_facts,
            sliced.line_map,
            sliced.optimizer_classes,
            parsed_text=sliced.text,
            dropped_lines=sliced.dropped_lines,
            partial_classes=sliced.partial_classes,
        )
    ctx.project = _project_view(model, unit)
    findings: list[Finding] = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    try:
        for rule in rules:
            findings.extend(rule().check(ctx))
    except NeedsWholeFile:
        # A rule needs code the slice left out (rare: it asks only about unused gradients).
        whole_file = True
    except RecursionError:
        error = SourceError(unit.path, "cannot analyze: code nested too deeply")
        return [error_finding(error)] if PARSE_ERROR in codes else []
    else:
        whole_file = False
    finally:
        sys.setrecursionlimit(old_limit)
        ctx.forget_facts()
    if whole_file:
        del ctx, parsed
        return _analyze_unit(unit, codes, slicing=False, model=model)
    findings = filter_noqa(unit, findings) + _unused_noqa(unit, findings, codes)
    return sorted(findings, key=lambda f: f.sort_key)


def _unused_noqa(unit: SourceUnit, findings: list[Finding], codes: list[str]) -> list[Finding]:
    """GL100's findings; the analyzer gets the known codes from here (it never reads the
    rule registry itself)."""
    if not may_have_unused_noqa(unit.text, codes):
        return []
    severity = get_rule(UNUSED_NOQA).severity
    return unused_noqa(unit, findings, codes, known=frozenset(RULE_MODULES), severity=severity)


def _rules_that_may_fire(text: str, codes: list[str], kind: str) -> list:
    """The enabled rules (other than GL000) whose ``required_text`` is in ``text``.

    In a ``.py`` file it must be in code, as the end of a name: a file that mentions it only
    in comments, strings and plain imports cannot hold a tape, and neither can one where a
    longer name continues it (see :func:`_ends_a_name_in_code`), so it is not parsed at all
    (notebooks always are, so that a cell with a syntax error is still reported).
    """
    in_code: dict[tuple[str, tuple[str, ...]], bool] = {}
    #: Rules share their required text (six PyTorch rules say ``backward``, GL001 and GL002
    #: most of theirs): one search of a large file per token, not one per rule.
    found: dict[str, bool] = {}

    def contains(token: str) -> bool:
        answer = found.get(token)
        if answer is None:
            answer = found[token] = token in text
        return answer

    def may_fire(required: tuple[str, ...], calls: tuple[str, ...]) -> bool:
        if not required:
            return True
        present = [token for token in required if contains(token)]
        if not present or kind == "notebook":
            return bool(present)
        for token in present:
            key = (token, calls)
            if key not in in_code:
                in_code[key] = (
                    _called_in_code(text, token, calls, tuple(present))
                    if calls
                    else _ends_a_name_in_code(text, token, tuple(present))
                )
            if in_code[key]:
                return True
        return False

    rules = []
    for code in codes:
        if code not in _NOT_PARSED:
            rule = get_rule(code)
            if may_fire(rule.required_text, rule.required_calls):
                rules.append(rule)
    return rules


#: After a name: ``(`` (spaces, line breaks, continuations and comments between), or ``as``.
_CALLED_SUFFIX = re.compile(r"(?:\s|\\|\#[^\r\n]*(?:\r\n|\r|\n))*\(|\s+as\s")


def _called_in_code(
    text: str, token: str, names: tuple[str, ...], present: tuple[str, ...] = ()
) -> bool:
    """Whether ``token`` occurs in code as part of one of ``names`` (whole names), where
    that name is called or imported under another name (see ``Rule.required_calls``).
    The names are found with ``str.find`` (a pattern that starts with a look-behind is
    tried at every offset of the text, ten times slower)."""
    candidates = []
    for name in names:
        offset = text.find(name)
        while offset != -1:
            before = text[offset - 1] if offset else ""
            if not (before.isalnum() or before == "_") and _CALLED_SUFFIX.match(
                text, offset + len(name)
            ):
                candidates.append(offset + name.rfind(token))
            offset = text.find(name, offset + 1)
    if not candidates:
        return False  # no lexing at all
    from gradlint.analyzer.code_mentions import mentions_among

    offsets = set(mentions_among(text, token, present))  # the lexing the other rules share
    return any(offset in offsets for offset in candidates)


#: What follows a word in prose and never a name in code: in Python 3 a name followed by
#: blanks and another word is code only where that word is one of these keywords
#: (``x if c else y``, ``import a as b``, ``raise e from c``, ``[x async for x in y]``).
#: Library docstrings say "backward compatibility" and "the backward pass" far more often
#: than code calls ``backward``, and each such file would otherwise be lexed.
_PROSE_AFTER = re.compile(
    r"[ \t]+(?!(?:and|as|async|else|for|from|if|in|is|not|or)(?![\w]))[^\W\d]"
)


def _ends_a_name_in_code(text: str, token: str, present: tuple[str, ...] = ()) -> bool:
    """Whether ``token`` occurs in code (:mod:`gradlint.analyzer.code_mentions`) where no
    identifier character follows it.

    Every name a rule keys on ends with its required text: ``tf.GradientTape``,
    ``DistributedGradientTape``, ``loss.backward``, ``accelerator.backward``,
    ``torch.autograd.backward``, ``self.manual_backward``. A longer name that merely starts
    with it is another name (Keras' ``go_backwards``, ``register_full_backward_hook``,
    ``backward_pass``, a ``GradientTapeTest`` class), and cannot hold a backward or a tape;
    most library files that mention ``backward`` at all mention only such names. Those
    candidates, and words that prose follows (:data:`_PROSE_AFTER`), are ruled out before
    any lexing."""
    from gradlint.analyzer.code_mentions import mentions_among

    if not token.isidentifier():
        return bool(mentions_among(text, token, present))
    size = len(token)
    candidates = set()
    offset = text.find(token)
    while offset != -1:
        after = text[offset + size : offset + size + 1]
        if (not after or not ("_" + after).isidentifier()) and not _PROSE_AFTER.match(
            text, offset + size
        ):
            candidates.add(offset)
        offset = text.find(token, offset + 1)
    if not candidates:
        return False
    return any(offset in candidates for offset in mentions_among(text, token, present))


def _slice_tokens(rules: list, text: str) -> tuple[str, ...] | None:
    """What a statement must contain to be kept (the rules' tokens that occur in ``text``:
    the prefilter's lexing already answered for those); None when a rule reads every
    statement."""
    tokens: list[str] = []
    for rule in rules:
        if not rule.required_text:
            return None
        tokens.extend(token for token in rule.required_text if token in text)
    return tuple(dict.fromkeys(tokens))


def _parse(unit: SourceUnit, tokens: tuple[str, ...] | None) -> tuple[Any, Slice | None]:
    """The LibCST module to analyze (the sliced text when slicing applies, else all of it),
    and the slice it was parsed from (with the whole file's imports and its line map).

    Anything the slice cannot handle falls back to parsing the whole text, so errors are
    reported exactly as without slicing.
    """
    from gradlint.analyzer.parsing import parse_unit

    if tokens:
        from gradlint.analyzer.slicing import slice_source

        sliced = slice_source(unit.text, tokens)
        if sliced is not None and sliced.empty:
            return None, sliced
        if sliced is not None:
            reused = _reparse(unit.path, "slice", sliced.text)
            if reused is not None:
                return reused, sliced
            # ``ast`` parsed the whole file: the slice, whole statements of it, is valid.
            parsed = parse_unit(replace(unit, text=sliced.text, mentions={}), valid_python=True)
            if not isinstance(parsed, SourceError):
                return parsed, sliced
    reused = _reparse(unit.path, "whole", unit.text)
    if reused is not None:
        return reused, None
    return parse_unit(unit), None


#: Set by the language server: LibCST trees of the top-level statements of each open
#: document's last analysis, reused for the statements an edit left alone. None (the
#: command line): every file is parsed once, there is nothing to reuse.
_statement_reuse: Any = None


def set_statement_reuse(reuse: Any) -> None:
    """``reuse``: a :class:`~gradlint.analyzer.reparse.StatementReuse`, or None."""
    global _statement_reuse
    _statement_reuse = reuse


def _reparse(path: str, part: str, text: str) -> Any:
    """The module of ``text`` rebuilt from the last analysis of ``path`` where the editor's
    statement reuse is on, else None (then the caller parses as always)."""
    if _statement_reuse is None:
        return None
    return _statement_reuse.parse(f"{part}:{path}", text)
