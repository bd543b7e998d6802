"""The generated benchmark trees hold what benchmarks/README.md says: in both frameworks' trees
of the same shape, gradlint finds exactly the frozen loops (one never-applied finding and one
commented-out update each), so the frameworks scenario compares equal work."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from gradlint.api import lint_paths

GENERATE = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
spec = importlib.util.spec_from_file_location("benchmark_generate", GENERATE)
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.mark.parametrize(
    ("framework", "codes"), [("tensorflow", ("GL001", "GL002")), ("torch", ("GL101", "GL102"))]
)
def test_generated_tree_has_one_frozen_loop_in_every_other_training_file(
    tmp_path, framework, codes
):
    generate.generate(tmp_path, files=200, training_share=0.02, framework=framework)
    findings = lint_paths([str(tmp_path)]).findings
    # 200 files, every 50th a training file (4), every other one of those frozen (2).
    assert Counter(f.code for f in findings) == {codes[0]: 2, codes[1]: 2}
    assert len({f.path for f in findings}) == 2


def test_the_two_trees_differ_only_in_their_training_loops(tmp_path):
    tf_text = generate.module(25, __import__("random").Random(0), True, True, "tensorflow")
    torch_text = generate.module(25, __import__("random").Random(0), True, True, "torch")
    assert "GradientTape" in tf_text and "backward" not in tf_text
    assert "loss.backward()" in torch_text and "# optimizer.step()" in torch_text
    assert tf_text.replace(generate.TRAINING.format(index=25, update="# "), "") == (
        torch_text.replace(generate.TORCH_TRAINING.format(index=25, update="# "), "")
    )


def test_the_project_tree_needs_the_project_model_to_find_its_frozen_loops(tmp_path):
    """``--project``: the frozen loops hide behind the project's own helpers and callers, so
    the project scenario measures the project model doing real work."""
    from gradlint.settings import Settings

    generate.generate(tmp_path, files=200, training_share=0.02, project=True)
    # Training files 25 and 75 call common.grad_utils (25 frozen), 125 and 175 return their
    # gradients to the next module (125's caller has the update commented out).
    findings = lint_paths([str(tmp_path)], Settings(root=tmp_path, use_cache=False)).findings
    assert sorted((Path(f.path).name, f.code) for f in findings) == [
        ("mod00025.py", "GL001"),
        ("mod00025.py", "GL002"),
        ("mod00125.py", "GL001"),
    ]
    assert "'fit_125' (pkg001/mod00126.py:" in next(f for f in findings if "125" in f.path).message
    isolated = Settings(root=tmp_path, use_cache=False, project=False)
    assert lint_paths([str(tmp_path)], isolated).findings == []
