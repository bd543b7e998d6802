"""Workers, the cache and slicing change how fast findings come, never which."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest
from mixed_tree import write_tree

from gradlint import engine, runner
from gradlint.analyzer.sources import SourceUnit
from gradlint.discovery import collect_files
from gradlint.rules import RULE_MODULES
from gradlint.settings import Settings

ALL = list(RULE_MODULES)

FROZEN = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()

def train_step(model, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    return loss
"""


def lint(root: Path, **settings) -> list:
    config = Settings(root=root, cache_dir=root / ".gradlint_cache", **settings)
    files = collect_files([str(root)], config.exclude, root)
    return runner.run(files, ALL, config)


def test_findings_identical_with_and_without_cache_slicing_and_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path)
    monkeypatch.setattr(engine, "SLICING", False)
    baseline = lint(tmp_path, jobs=1, use_cache=False)
    monkeypatch.setattr(engine, "SLICING", True)
    assert {f.code for f in baseline} >= {"GL000", "GL001"}
    assert lint(tmp_path, jobs=1, use_cache=False) == baseline
    assert lint(tmp_path, jobs=2, use_cache=False) == baseline
    assert lint(tmp_path, jobs=2, use_cache=True) == baseline  # cold: fills the cache
    assert any((tmp_path / ".gradlint_cache" / "entries").iterdir())
    assert lint(tmp_path, jobs=2, use_cache=True) == baseline  # warm
    assert lint(tmp_path, jobs=1, use_cache=True) == baseline


def test_output_order_is_sorted_whatever_finishes_first(tmp_path: Path) -> None:
    for name in ("b.py", "a.py", "c.py"):
        (tmp_path / name).write_text(FROZEN + "\n" * (100 if name == "a.py" else 0))
    findings = lint(tmp_path, jobs=3, use_cache=False)
    assert [Path(f.path).name for f in findings] == ["a.py", "b.py", "c.py"]


def test_a_crash_in_one_file_is_a_gl000_for_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "boom.py").write_text("# differs from fine.py\n" + FROZEN)
    (tmp_path / "fine.py").write_text(FROZEN)
    real = engine.analyze_unit

    def flaky(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("boom.py"):
            raise KeyError("simulated bug")
        return real(unit, codes, **kwargs)

    monkeypatch.setattr(runner, "analyze_unit", flaky)
    for jobs in (1, 2):  # in this process, and in forked workers
        findings = lint(tmp_path, jobs=jobs, use_cache=True)
        by_file = {Path(f.path).name: f for f in findings}
        assert by_file["boom.py"].code == "GL000"
        assert by_file["boom.py"].message.startswith("internal error: KeyError")
        assert by_file["fine.py"].code == "GL001"
    # A crash is never cached: once fixed, the file is analyzed again.
    monkeypatch.setattr(runner, "analyze_unit", real)
    assert {f.code for f in lint(tmp_path, jobs=1, use_cache=True)} == {"GL001"}


def test_no_pool_for_a_single_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started for one file")

    monkeypatch.setattr(runner, "_in_pool", no_pool)
    unit = SourceUnit(path="one.py", text=FROZEN)
    (findings,) = runner.analyze_units([unit], ALL, jobs=8)
    assert [f.code for f in findings] == ["GL001"]
    assert runner.analyze_units([], ALL, jobs=8) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")
@pytest.mark.parametrize("named", ["folder", "files", "many files"])
def test_a_walked_folder_starts_the_workers_before_it_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    """Importing LibCST in the zygote overlaps with walking the tree (or reading a long list
    of files); the few files of a commit (the way pre-commit passes them) start no pool
    before they are known to need one."""
    from gradlint import api, discovery

    (tmp_path / "step.py").write_text(FROZEN)
    (tmp_path / "plain.py").write_text("x = 1\n")
    monkeypatch.setattr(api, "EARLY_POOL_FILES", 2 if named == "many files" else 3)
    events: list[str] = []
    real_pool, real_listing = runner.early_pool, discovery.collect_files

    def pool(*args, **kwargs):
        events.append("pool")
        return real_pool(*args, **kwargs)

    def listing(*args, **kwargs):
        events.append("list")
        return real_listing(*args, **kwargs)

    monkeypatch.setattr(runner, "early_pool", pool)
    monkeypatch.setattr(discovery, "collect_files", listing)
    monkeypatch.chdir(tmp_path)
    paths = ["."] if named == "folder" else ["plain.py", "step.py"]
    result = api.lint_paths(paths, Settings(root=tmp_path, use_cache=False, jobs=2))
    assert [(f.path, f.code) for f in result.findings] == [("step.py", "GL001")]
    assert result.files_checked == 2
    assert events == (["list"] if named == "files" else ["pool", "list"])
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")
def test_a_folder_with_nothing_to_analyze_leaves_no_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradlint import api

    (tmp_path / "plain.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = api.lint_paths(["."], Settings(root=tmp_path, use_cache=False, jobs=2))
    assert result.findings == [] and result.files_checked == 1
    assert multiprocessing.active_children() == []


def test_files_that_need_no_parsing_never_reach_the_analyzer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain.py").write_text("def f():\n    return 1\n")
    (tmp_path / "skipped.py").write_text("# gradlint: skip-file\n" + FROZEN)
    seen: list[int] = []

    def count(units, codes, jobs=None, pool=None):
        units = list(units)
        seen.append(len(units))
        return [[] for _ in units]

    monkeypatch.setattr(runner, "analyze_units", count)
    assert lint(tmp_path, use_cache=False) == []
    assert seen == [0]


def _run_python(code: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_cli_import_and_a_run_without_tapes_do_not_import_libcst(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import tensorflow as tf\nx = tf.constant(1)\n")
    code = (
        "import sys\n"
        "import gradlint.cli\n"
        "assert 'libcst' not in sys.modules, 'import'\n"
        "from gradlint.api import lint_paths\n"
        "from gradlint.settings import Settings\n"
        "result = lint_paths(['.'], Settings(use_cache=False))\n"
        "assert not result.findings\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'tensorflow')))\n"
    )
    assert _run_python(code, tmp_path) == "[]"


def test_units_streamed_from_a_generator_keep_their_order_in_a_pool() -> None:
    """The pool starts while files are still being read; results follow the input order."""
    produced: list[str] = []

    def reading():
        for i in range(6):
            name = f"step_{i}.py"
            produced.append(name)
            text = FROZEN if i % 2 else FROZEN.replace("    return loss", "    return grads")
            yield SourceUnit(path=name, text=text)

    results = runner.analyze_units(reading(), ALL, jobs=2)
    assert len(produced) == 6
    assert [[f.path for f in found] for found in results] == [
        [] if i % 2 == 0 else [f"step_{i}.py"] for i in range(6)
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        engine.analyze_unit(SourceUnit(path="one.py", text=FROZEN), ALL)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_pool_never_starts_more_workers_than_files(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []

    def record(units, codes, workers):
        started.append(workers)
        return [runner.safe_analyze(unit, codes) for unit in units]

    monkeypatch.setattr(runner, "_in_pool", record)
    units = [SourceUnit(path=f"{i}.py", text=FROZEN) for i in range(3)]
    assert len(runner.analyze_units(iter(units), ALL, jobs=32)) == 3
    assert started == [3]


def test_the_warm_up_loads_the_pytorch_facts_for_every_forked_worker() -> None:
    """The zygote's warm-up reads a PyTorch step too: otherwise every worker imports the
    PyTorch facts at its first PyTorch file, and a PyTorch tree costs more per file."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from gradlint.runner import _warm_up\n"
        "from gradlint.rules import RULE_MODULES\n"
        "_warm_up(list(RULE_MODULES))\n"
        "print(all(m in sys.modules for m in ("
        "'gradlint.analyzer.steps', 'gradlint.analyzer.torch_grad_flow',"
        " 'gradlint.analyzer.commented_steps', 'gradlint.analyzer.tapes')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr
