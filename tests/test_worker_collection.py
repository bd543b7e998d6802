"""The command line's worker processes collect cycles only past a budget
(:func:`gradlint.engine.collect_between_files`); every other process (an editor's server,
the API, the main process of a run) keeps the collector as it was."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.rules import RULE_MODULES

TRAINING = textwrap.dedent(
    """\
    import tensorflow as tf

    def step(model, optimizer, x):
        with tf.GradientTape() as tape:
            loss = model(x)
        grads = tape.gradient(loss, model.trainable_variables)
        return loss
    """
)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_a_batch_worker_collects_only_past_its_budget() -> None:
    out = _run(
        f"""
        import gc
        from gradlint.analyzer.sources import SourceUnit
        from gradlint.engine import analyze_unit, collect_between_files
        from gradlint.rules import RULE_MODULES

        codes = list(RULE_MODULES)
        source = {TRAINING!r}
        collections = []
        gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(1))
        collect_between_files(budget=10**9)
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        for n in range(3):
            analyze_unit(SourceUnit(path=f"s{{n}}.py", text=source + "#" * n), codes)
        below = len(collections)
        collect_between_files(budget=0)
        analyze_unit(SourceUnit(path="t.py", text=source + "# last"), codes)
        print(below, len(collections) - below, gc.isenabled())
        """
    )
    assert out == "0 1 False"


def test_other_processes_keep_the_collector_on() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        findings = analyze_unit(SourceUnit(path="s.py", text=TRAINING), list(RULE_MODULES))
        assert [f.code for f in findings] == ["GL001"]
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()


def test_a_run_leaves_its_main_process_collector_on(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"m{n}.py").write_text(TRAINING)
    out = _run(
        f"""
        import gc
        from gradlint.api import lint_paths
        from gradlint.settings import Settings

        settings = Settings()
        settings.use_cache = False
        result = lint_paths([{str(tmp_path)!r}], settings)
        print(len(result.findings), gc.isenabled(), gc.get_freeze_count())
        """
    )
    assert out == "3 True 0"
