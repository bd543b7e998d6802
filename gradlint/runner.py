"""Analyzes a list of files and returns their findings in a deterministic order.

The main process reads every file, applies the cheap prefilter and the cache, and only the
files left over are parsed, by a pool of worker processes when there are at least two of
them (starting a worker costs more than analyzing one small file). Files are handed to the
workers as soon as they are read, so parsing overlaps with reading the rest of the tree (on
Linux the workers share one import of LibCST: :mod:`gradlint.workers`). When a folder is
walked (or a long list of files read), the pool starts before the files are listed, so that
import overlaps with the walk too (:func:`early_pool`).
Output never depends on the number of workers: findings are sorted at the end. A bug that
crashes the analysis of one file becomes a ``GL000`` finding for that file; the other files
are still analyzed.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceError, SourceUnit, load_source
from gradlint.discovery import SourceFile
from gradlint.engine import (
    PARSE_ERROR,
    analyze_unit,
    error_finding,
    needs_parse,
    required_tokens,
)
from gradlint.settings import Settings

if TYPE_CHECKING:
    from gradlint.workers import ForkedPool

#: Marks findings that stand for a crash of gradlint itself (never cached).
INTERNAL_ERROR = "internal error: "
#: Marks findings for a file past its time or memory budget (never cached either).
TOO_COMPLEX = "too complex to analyze: "


def run(
    files: list[SourceFile] | Callable[[], list[SourceFile]],
    codes: list[str],
    settings: Settings,
) -> list[Finding]:
    """Every finding of ``files``, sorted. The run takes the tree as it stands when it
    first looks (:func:`gradlint.analyzer.project.one_snapshot`): a result that depends on
    the whole tree, and a cache entry that does, are checked against one walk of it, not
    one per file; the worker processes, forked within the run, share what was measured
    before they started.

    ``files`` may be a function that lists them (walking a tree): the worker pool then
    starts before it is called, so that importing LibCST in the first worker (half a
    second) overlaps with listing and reading the tree instead of following them."""
    from gradlint.analyzer.project import one_snapshot

    with one_snapshot():
        return _run(files, codes, settings)


def _run(
    files: list[SourceFile] | Callable[[], list[SourceFile]], codes: list[str], settings: Settings
) -> list[Finding]:
    cache = _open_cache(settings, codes) if settings.use_cache else None
    task_codes = codes if settings.project else _Isolated(codes)
    if settings.project:
        from gradlint.engine import set_summary_backend

        # Before any worker is forked: they inherit it.
        set_summary_backend(cache.summaries() if cache is not None else None)
    backend = cache.summaries() if settings.project and cache is not None else None
    pool = early_pool(task_codes, settings.jobs, backend) if callable(files) else None
    try:
        listed = files() if callable(files) else files
        return _run_files(listed, codes, task_codes, settings, cache, pool)
    finally:
        if pool is not None:
            pool.shutdown(kill=True)  # never used (nothing to analyze), or already done
        from gradlint import prestart

        prestart.discard()  # started by the entry point, not needed by this run


def _run_files(
    files: list[SourceFile],
    codes: list[str],
    task_codes: list[str],
    settings: Settings,
    cache: Any,
    pool: ForkedPool | None,
) -> list[Finding]:
    from gradlint.analyzer.suppressions import is_skip_file

    index = _open_index(cache)
    findings: list[Finding] = []
    pending: list[tuple[str | None, str, os.stat_result | None]] = []
    required = required_tokens(codes)
    #: ``--check-syntax``: files the prefilter would skip are still compiled by CPython.
    syntax = settings.check_syntax and PARSE_ERROR in codes

    def to_analyze() -> Iterator[SourceUnit]:
        """Reads the files, and yields those the cache and the prefilter do not settle.
        Whatever goes wrong with one file here is a ``GL000`` for it, never the run's end."""
        for file in files:
            try:
                unit = read_one(file)
            except Exception as exc:  # noqa: BLE001 - one file's problem must not end the run
                error = SourceUnit(path=file.display_path, text="")
                if PARSE_ERROR in codes:
                    findings.append(_internal_error(error, exc))
                continue
            if unit is not None:
                pending.append(unit[0])
                yield unit[1]

    def read_one(file: SourceFile) -> tuple[tuple, SourceUnit] | None:
        """The file's cache bookkeeping and unit, when it must be analyzed."""
        st = None
        if index is not None:
            st = _stat(file.fs_path)
            verdict = index.lookup(str(file.fs_path), st) if st is not None else None
            if verdict == index.NOTHING_TO_PARSE:
                return None
            if verdict is not None:
                assert cache is not None
                hit = cache.get(verdict, file.display_path)
                if hit is not None:
                    findings.extend(hit)
                    return None
        loaded = load_source(file.fs_path, file.display_path, None if syntax else required)
        if loaded is None or (
            isinstance(loaded, SourceUnit)
            and (not needs_parse(loaded.text, codes, loaded.kind) or is_skip_file(loaded.text))
        ):
            error = syntax_error(loaded) if syntax and loaded is not None else None
            if error is not None:
                findings.append(error_finding(error))
                return None
            if index is not None and st is not None:
                index.record(str(file.fs_path), st, index.NOTHING_TO_PARSE)
            return None
        if isinstance(loaded, SourceError):
            if PARSE_ERROR in codes:
                findings.append(error_finding(loaded))
            return None
        if loaded.kind == "python":
            from gradlint.analyzer.code_mentions import known

            loaded.mentions = known(loaded.text)  # the worker need not lex it again
        key = None
        if cache is not None:
            key = cache.key(loaded.kind, loaded.raw or loaded.text.encode("utf-8", "replace"))
            hit = cache.get(key, loaded.path)
            if hit is not None:
                findings.extend(hit)
                if index is not None and st is not None:
                    index.record(str(file.fs_path), st, key)
                return None
        return (key, str(file.fs_path), st), loaded

    results = analyze_units(to_analyze(), task_codes, settings.jobs, pool)
    for (key, name, st), result in zip(pending, results, strict=True):
        findings.extend(result)
        if cache is not None and key is not None and not _crashed(result):
            cache.put(key, result, getattr(result, "dependencies", None))
            if index is not None and st is not None:
                index.record(name, st, key)
    if cache is not None:
        cache.prune()
    if index is not None:
        index.save()
    return sorted(findings, key=lambda f: f.sort_key)


def syntax_error(unit: SourceUnit) -> SourceError | None:
    """CPython's verdict on a ``.py`` file that no rule needs parsed (``--check-syntax``).

    ``compile`` to an AST costs a fraction of a LibCST parse, and it is what the interpreter
    would reject; the message has the same shape as the analyzer's own syntax errors.
    """
    import warnings

    from gradlint.analyzer.suppressions import is_skip_file

    if unit.kind != "python" or is_skip_file(unit.text):
        return None

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(unit.text, unit.path, "exec", flags=0x400, dont_inherit=True)  # ONLY_AST
    except SyntaxError as exc:
        line, column = exc.lineno or 1, exc.offset or 1
        reason = exc.msg or "invalid syntax"
        return SourceError(unit.path, f"syntax error: {reason} (line {line})", line, column)
    except (ValueError, MemoryError, RecursionError) as exc:
        return SourceError(unit.path, f"cannot parse: {type(exc).__name__}: {exc}".splitlines()[0])
    return None


def analyze_units(
    units: Iterable[SourceUnit],
    codes: list[str],
    jobs: int | None = None,
    pool: ForkedPool | None = None,
) -> list[list[Finding]]:
    """Findings per unit, in the order of ``units``, using up to ``jobs`` processes.

    ``units`` may be a generator that is still reading files: the pool starts once there is a
    unit for each worker (or all are read) and works while the rest are read; a ``pool``
    started earlier (:func:`early_pool`) takes them as they come. On Linux the
    parse never runs in this process, even for one file: LibCST's native parser can crash
    the process it runs in, and that must cost one file, not the run.
    """
    workers = jobs or os.cpu_count() or 1
    iterator = iter(units)
    if pool is not None:
        head = list(itertools.islice(iterator, 1))
        if not head:
            pool.shutdown(kill=True)  # still warming up, maybe: nothing to wait for
            return []
        return _in_forked_pool(itertools.chain(head, iterator), codes, workers, pool)
    # Read until there is work for every worker (or no more work): a pool never starts
    # more processes than there are files.
    head = list(itertools.islice(iterator, workers))
    if not head:
        return []
    if workers <= 1 or len(head) < 2:
        if sys.platform.startswith("linux"):
            return _in_forked_pool(itertools.chain(head, iterator), codes, 1)
        return [safe_analyze(unit, codes) for unit in itertools.chain(head, iterator)]
    return _in_pool(itertools.chain(head, iterator), codes, min(workers, len(head)))


class _Isolated(list):
    """The enabled codes of a ``--no-project`` run: every file is analyzed on its own (the
    flag travels with the codes, which every path to a worker already carries)."""


def safe_analyze(unit: SourceUnit, codes: list[str]) -> list[Finding]:
    """:func:`analyze_unit`, with a crash turned into a ``GL000`` finding for the file."""
    try:
        return analyze_unit(unit, codes, project=not isinstance(codes, _Isolated))
    except MemoryError:
        return [_too_complex(unit, f"needs more than {_memory_limit_text()} of memory")]
    except Exception as exc:  # noqa: BLE001 - one file's crash must not end the run
        return [_internal_error(unit, exc)]


def _internal_error(unit: SourceUnit, exc: BaseException) -> Finding:
    detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
    error = SourceError(unit.path, f"{INTERNAL_ERROR}{detail} (please report this)")
    return error_finding(error)


def _too_complex(unit: SourceUnit, why: str) -> Finding:
    return error_finding(SourceError(unit.path, f"{TOO_COMPLEX}{why}"))


def _crashed(findings: list[Finding]) -> bool:
    """Whether a result stands for a failure of gradlint (or of this machine's budget)
    rather than for the file: never cached."""
    return any(
        f.code == PARSE_ERROR and f.message.startswith((INTERNAL_ERROR, TOO_COMPLEX))
        for f in findings
    )


def _in_pool(units: Iterator[SourceUnit], codes: list[str], workers: int) -> list[list[Finding]]:
    if sys.platform.startswith("linux"):
        return _in_forked_pool(units, codes, workers)
    return _in_executor(units, codes, workers)


#: Per-file budgets, overridable through the environment (0 turns one off).
TIME_LIMIT_VARIABLE = "GRADLINT_FILE_TIME_LIMIT"
MEMORY_LIMIT_VARIABLE = "GRADLINT_FILE_MEMORY_LIMIT"
DEFAULT_TIME_LIMIT_SECONDS = 60.0
DEFAULT_MEMORY_LIMIT_MIB = 1024


def _budget(variable: str, default: float) -> float | None:
    try:
        value = float(os.environ.get(variable, default))
    except ValueError:
        value = default
    return value if value > 0 else None


def _time_limit() -> float | None:
    return _budget(TIME_LIMIT_VARIABLE, DEFAULT_TIME_LIMIT_SECONDS)


def _memory_limit() -> int | None:
    mib = _budget(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT_MIB)
    return None if mib is None else int(mib * 2**20)


def _memory_limit_text() -> str:
    mib = _budget(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT_MIB)
    return f"{mib:g} MiB ({MEMORY_LIMIT_VARIABLE})" if mib else "the memory available"


def _failure_finding(unit: SourceUnit, why: str) -> Finding:
    from gradlint.workers import TIMED_OUT

    if why == TIMED_OUT:
        limit = _time_limit() or 0
        return _too_complex(unit, f"took more than {limit:g} s ({TIME_LIMIT_VARIABLE})")
    return _too_complex(
        unit,
        "the analysis process crashed (LibCST's native parser, or more than "
        f"{_memory_limit_text()} of memory)",
    )


def early_pool(codes: list[str], jobs: int | None, backend: Any = None) -> ForkedPool | None:
    """A pool of warmed-up workers started before the files are known (Linux, more than
    one worker): it forks its other workers only as tasks wait for them. None where
    :func:`analyze_units` would start none, or no process can be started. The pool the
    entry point started (:mod:`gradlint.prestart`) is used when it is large enough; its
    zygote is told the task, and the summary store (``backend``) its workers use."""
    from gradlint import prestart

    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or not sys.platform.startswith("linux"):
        return None
    from gradlint.workers import ForkedPool

    started = prestart.take()
    if started is not None:
        if workers <= started._workers:
            try:
                started.configure(
                    functools.partial(_worker_task, codes=codes),
                    functools.partial(_configure_zygote, codes, backend),
                    workers=workers,
                    time_limit=_time_limit(),
                    memory_limit=_memory_limit(),
                )
                return started
            except OSError:
                pass  # its zygote is gone: start another
        started.shutdown(kill=True)
    try:
        return ForkedPool(
            workers,
            functools.partial(_worker_task, codes=codes),
            lambda: _warm_up(codes),
            time_limit=_time_limit(),
            memory_limit=_memory_limit(),
        )
    except OSError:
        return None


def _in_forked_pool(
    units: Iterator[SourceUnit],
    codes: list[str],
    workers: int,
    pool: ForkedPool | None = None,
) -> list[list[Finding]]:
    """Linux: workers forked from one that imported LibCST (see :mod:`gradlint.workers`).
    A file whose analysis kills its worker or runs past the time limit is a ``GL000``."""
    from gradlint.workers import run_tasks

    read: list[SourceUnit] = []

    def lean_units() -> Iterator[SourceUnit]:
        for unit in units:
            read.append(unit)
            yield _lean(unit)

    try:
        _, results, failures = run_tasks(
            lean_units(),
            functools.partial(_worker_task, codes=codes),
            workers,
            (lambda: _warm_up(codes)) if workers > 1 else None,
            time_limit=_time_limit(),
            memory_limit=_memory_limit(),
            on_broken=_warn_pool_broken,
            pool=pool,
        )
    except OSError:
        # No processes on this system: the only choice left is to analyze here.
        results, failures = {}, {}
    read.extend(units)
    return [
        results[i]
        if i in results
        else [_failure_finding(unit, failures[i])]
        if i in failures
        else safe_analyze(unit, codes)
        for i, unit in enumerate(read)
    ]


def _finish_here(
    submitted: list[SourceUnit],
    unread: Iterator[SourceUnit],
    results: dict[int, list[Finding]],
    codes: list[str],
) -> list[list[Finding]]:
    """Every unit's findings in order: the pool's where it answered, the rest (and what was
    not read yet when the pool failed) analyzed in this process (where there is no fork)."""
    submitted.extend(unread)
    return [
        results[i] if i in results else safe_analyze(unit, codes)
        for i, unit in enumerate(submitted)
    ]


#: Analyzed once by the first worker before it forks the others: every module and regular
#: expression a real file needs is then loaded in all of them (the PyTorch facts too: each
#: worker would otherwise import them at its first PyTorch file).
_WARM_UP_SOURCE = """\
import tensorflow as tf


def unrelated():
    return 1


def step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
_WARM_UP_TORCH_SOURCE = """\
import torch


def unrelated():
    return 1


def train(model, optimizer, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
"""


def _warn_pool_broken(missing: int) -> None:
    """A worker process died (killed, out of memory, a crash in native code): say so, since
    the run goes on, slower: the file it was analyzing is tried again alone, the rest in a
    new pool."""
    sys.stderr.write(
        f"gradlint: a worker process ended unexpectedly; analyzing {missing} file"
        f"{'' if missing == 1 else 's'} again in new worker processes\n"
    )


def _warm_up(codes: list[str]) -> None:
    from gradlint.engine import collect_between_files

    safe_analyze(SourceUnit(path="<warm-up>.py", text=_WARM_UP_SOURCE), codes)
    safe_analyze(SourceUnit(path="<warm-up-torch>.py", text=_WARM_UP_TORCH_SOURCE), codes)
    collect_between_files()  # before the other workers are forked from this one


def _configure_zygote(codes: list[str], backend: Any) -> None:
    """In a zygote started before the run (:mod:`gradlint.prestart`): what a zygote forked
    inside the run inherits, the summary store and a snapshot of its own for its workers'
    look-ups (:func:`gradlint.analyzer.project.one_snapshot`), then the warm-up."""
    from gradlint.analyzer.project import begin_snapshot
    from gradlint.engine import set_summary_backend

    set_summary_backend(backend)
    begin_snapshot()
    _warm_up(codes)


def _worker_task(unit: SourceUnit, codes: list[str]) -> list[Finding]:
    """One file in a forked worker, which only ever analyzes files and then ends."""
    from gradlint.engine import collect_between_files

    collect_between_files()
    return safe_analyze(unit, codes)


def _in_executor(
    units: Iterator[SourceUnit], codes: list[str], workers: int
) -> list[list[Finding]]:
    """Elsewhere: the standard pool, with the platform's default (safe) start method."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    submitted: list[SourceUnit] = []
    results: list[list[Finding]] = []
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = []
            for unit in units:
                submitted.append(unit)
                futures.append(pool.submit(safe_analyze, _lean(unit), codes))
            for future in futures:
                try:
                    results.append(future.result())
                except BrokenProcessPool:
                    break
    except (OSError, BrokenProcessPool):
        pass  # no processes on this system, or one died: finish in this process below
    return _finish_here(submitted, units, dict(enumerate(results)), codes)


def _lean(unit: SourceUnit) -> SourceUnit:
    """What a worker needs: a Python file's raw bytes are only read when writing fixes."""
    return replace(unit, raw=b"") if unit.kind == "python" else unit


def _open_index(cache):
    if cache is None:
        return None
    from gradlint.cache import StatIndex

    return StatIndex.load(cache, os.getcwd())


def _stat(path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _open_cache(settings: Settings, codes: list[str]):
    from gradlint.cache import Cache

    directory = settings.cache_dir
    if not directory.is_absolute():
        directory = settings.root / directory
    return Cache.open(directory, settings.cache_key(), codes)
