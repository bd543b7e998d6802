"""The pool the entry point starts before the command line is read: only for a lint run over
a folder, handed to the run with its task, its summary store and a snapshot of its own, and
ended when the run does not need it."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint import api, prestart, runner, workers
from gradlint.settings import Settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")


@pytest.fixture(autouse=True)
def no_leftover():
    yield
    prestart.discard()


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["{dir}"], True),
        (["--format", "json", "{dir}"], True),
        (["check", "{dir}"], True),
        (["-j", "1", "{dir}"], False),
        (["--jobs=1", "{dir}"], False),
        (["--version"], False),
        (["{dir}", "--help"], False),
        (["server"], False),
        (["rules"], False),
        (["confirm", "{dir}"], False),
        (["{file}"], False),
        ([], False),
    ],
)
def test_only_a_lint_run_over_a_folder_starts_a_pool_early(
    args: list[str], wanted: bool, tmp_path: Path, two_cpus: None
) -> None:
    (tmp_path / "one.py").write_text("x = 1\n")
    filled = [a.format(dir=tmp_path, file=tmp_path / "one.py") for a in args]
    assert prestart.wanted(filled) is wanted


def test_many_named_files_start_one_too(tmp_path: Path, two_cpus: None) -> None:
    names = [str(tmp_path / f"f{i}.py") for i in range(32)]
    assert prestart.wanted(names)
    assert not prestart.wanted(names[:5])


def test_one_cpu_starts_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not prestart.wanted([str(tmp_path)])


def _write_tree(root: Path) -> None:
    (root / "pyproject.toml").write_text("")
    for i in range(3):
        (root / f"train_{i}.py").write_text(FROZEN)
    (root / "clean.py").write_text("x = 1\n")


def test_a_tree_run_takes_the_pool_the_entry_point_started(
    tmp_path: Path, two_cpus: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    expected = api.lint_paths([str(tmp_path)], Settings(jobs=1, use_cache=False)).findings
    prestart.start([str(tmp_path)])
    started = prestart._started
    assert started is not None
    result = api.lint_paths([str(tmp_path)], Settings(use_cache=False))
    assert prestart._started is None  # taken by the run, and ended with it
    assert started._shut
    assert [(f.path, f.line, f.code) for f in result.findings] == [
        (f.path, f.line, f.code) for f in expected
    ]


def test_a_run_that_needs_no_pool_ends_the_one_started(
    tmp_path: Path, two_cpus: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    prestart.start([str(tmp_path)])
    started = prestart._started
    assert started is not None
    api.lint_paths([str(tmp_path / "clean.py")], Settings(use_cache=False))  # named files
    assert prestart._started is None and started._shut


def _backend_and_snapshot(item: int):
    from gradlint import engine
    from gradlint.analyzer import project

    backend = engine._summary_backend
    return (
        None if backend is None else str(backend.cache.directory),
        project._snapshot.get() is not None,
    )


def test_the_zygote_is_given_the_summary_store_and_a_snapshot(tmp_path: Path) -> None:
    """What a zygote forked inside the run inherits, one started before it is told."""
    from gradlint.cache import Cache

    cache = Cache.open(tmp_path / "cache", "test", ["GL001"])
    assert cache is not None
    pool = workers.ForkedPool(2, None, None)
    pool.configure(
        _backend_and_snapshot,
        functools.partial(runner._configure_zygote, ["GL001"], cache.summaries()),
    )
    pool.submit(0)
    assert pool.results() == {0: (str(tmp_path / "cache"), True)}
