"""Hostile and odd input (issue #18): no crash, no hang, no write outside the tree, no lost
edit. Each test reproduces one failure of gradlint as it was."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint import runner
from gradlint.analyzer import engine
from gradlint.analyzer.sources import SourceUnit
from gradlint.discovery import collect_files
from gradlint.rules import RULE_MODULES
from gradlint.settings import Settings

ALL = list(RULE_MODULES)
MAIN_PID = os.getpid()
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")


def lint(root: Path, **settings) -> list:
    config = Settings(root=root, cache_dir=root / ".gradlint_cache", **settings)
    files = collect_files([str(root)], config.exclude, root)
    return runner.run(files, ALL, config)


def gradlint(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "gradlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# --------------------------------------------------------------------------------------------
# 1. A native-parser crash costs one file, never the run.


def test_brackets_nested_past_cpythons_limit_never_reach_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import libcst

    from gradlint.analyzer.parsing import parse_unit

    def must_not_parse(*args, **kwargs):
        raise AssertionError("LibCST was handed a file CPython rejects for depth")

    monkeypatch.setattr(libcst, "parse_module", must_not_parse)
    text = "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n"
    error = parse_unit(SourceUnit(path="deep.py", text=text))
    assert "too many nested parentheses" in error.message


def test_1500_nested_parentheses_are_one_gl000_not_a_dead_run(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text(
        FROZEN + "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n", encoding="utf-8"
    )
    (tmp_path / "fine.py").write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", "-j", "1", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "deep.py:" in done.stdout and "GL000 syntax error: too many nested" in done.stdout
    assert "fine.py:8:13: GL001" in done.stdout


def _crash_on_boom(real):
    def analyze(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("boom.py") and os.getpid() != MAIN_PID:
            faulthandler.disable()  # pytest's would print the worker's stack
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(unit, codes, **kwargs)

    return analyze


@linux_only
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_in_native_code_is_a_gl000_for_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    for name in ("a.py", "boom.py", "c.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", _crash_on_boom(engine.analyze_unit))
    findings = lint(tmp_path, jobs=jobs, use_cache=True)
    by_file = {Path(f.path).name: f for f in findings}
    assert by_file["boom.py"].code == "GL000"
    assert by_file["boom.py"].message.startswith("too complex to analyze: the analysis process")
    assert by_file["a.py"].code == by_file["c.py"].code == "GL001"
    # Never cached: the next run tries again.
    monkeypatch.setattr(runner, "analyze_unit", engine.analyze_unit)
    assert {f.code for f in lint(tmp_path, jobs=jobs, use_cache=True)} == {"GL001"}


# --------------------------------------------------------------------------------------------
# 10. Each file has a time and a memory budget.


@linux_only
def test_a_file_past_the_time_limit_is_too_complex_and_the_rest_is_analyzed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.analyze_unit

    def slow(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("slow.py"):
            time.sleep(60)
        return real(unit, codes, **kwargs)

    for name in ("slow.py", "fine.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", slow)
    monkeypatch.setenv(runner.TIME_LIMIT_VARIABLE, "1")
    started = time.monotonic()
    findings = lint(tmp_path, jobs=2, use_cache=False)
    assert time.monotonic() - started < 30
    by_file = {Path(f.path).name: f for f in findings}
    assert by_file["slow.py"].message == (
        "too complex to analyze: took more than 1 s (GRADLINT_FILE_TIME_LIMIT)"
    )
    assert by_file["fine.py"].code == "GL001"


@linux_only
def test_a_file_past_the_memory_limit_is_too_complex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.analyze_unit

    def greedy(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("big.py"):
            hog = bytearray(512 * 2**20)
            del hog
        return real(unit, codes, **kwargs)

    for name in ("big.py", "fine.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", greedy)
    monkeypatch.setenv(runner.MEMORY_LIMIT_VARIABLE, "64")
    by_file = {Path(f.path).name: f for f in lint(tmp_path, jobs=1, use_cache=False)}
    assert by_file["big.py"].message == (
        "too complex to analyze: needs more than 64 MiB (GRADLINT_FILE_MEMORY_LIMIT) of memory"
    )
    assert by_file["fine.py"].code == "GL001"
