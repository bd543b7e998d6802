"""benchmarks/recall.py: the mutants it makes, the counts it reports, and files left intact."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parent.parent / "benchmarks" / "recall.py"
spec = importlib.util.spec_from_file_location("recall_harness", HARNESS)
recall = importlib.util.module_from_spec(spec)
sys.modules["recall_harness"] = recall
spec.loader.exec_module(recall)

TRAIN = """\
import tensorflow as tf

import helpers


def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(
        zip(grads, model.trainable_variables)
    )
    return loss


def helper_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    helpers.apply_update(optimizer, grads, model.trainable_variables)


def test_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

BRANCHES = """\
def step(opt, grads, variables, clip):
    if clip:
        opt.apply_gradients(zip([g * 0.5 for g in grads], variables))
    else:
        opt.apply_gradients(zip(grads, variables))
    for g in grads:
        opt.apply_gradients([(g, variables[0])])
"""


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    (root / "train.py").write_text(TRAIN)
    (root / "notes.py").write_text("print('no update here')\n")
    return root


def test_counts_and_restores_the_checkout(project: Path, tmp_path: Path, capsys) -> None:
    before = digests(project)
    out = tmp_path / "rows.json"
    gradlint = f"{sys.executable} -m gradlint"
    code = recall.main([str(project), "--gradlint", gradlint, "--json", str(out)])
    assert code == 0
    assert digests(project) == before
    rows = json.loads(out.read_text())
    # One site: the multi-line update of train_step. The helper call is no update statement;
    # the update inside test_step is left out.
    assert [(r["file"], r["line"], r["kind"], r["caught"]) for r in rows] == [
        ("train.py", "10", "removed", True),
        ("train.py", "10", "commented", True),
    ]
    assert rows[1]["mutant"]["GL002"] > rows[1]["original"]["GL002"]
    table = capsys.readouterr().out
    assert "proj" in table and table.count("1/1 100%") == 4  # the repository row and "all"


def test_interrupted_run_restores_the_file(project: Path, monkeypatch) -> None:
    original = (project / "train.py").read_bytes()
    calls = []

    def lint(gradlint, root, relpath):
        calls.append((root / relpath).read_bytes())
        if len(calls) == 2:  # the first mutant is in the file now
            raise KeyboardInterrupt
        return {"GL000": 0, "GL001": 0, "GL002": 0}

    monkeypatch.setattr(recall, "lint", lint)
    originals = recall.Originals()
    with pytest.raises(KeyboardInterrupt):
        recall.run_file("proj", project, "train.py", [], originals, recall.threading.Event())
    assert calls[1] != original
    assert (project / "train.py").read_bytes() == original
    assert originals.verify_all() == []


def test_sites_skip_tests_and_mark_branches() -> None:
    sites = recall.find_sites(BRANCHES)
    assert [(s.start, s.per_branch, s.only_child) for s in sites] == [
        (3, True, True),
        (5, True, True),
        (7, False, True),
    ]
    assert recall.find_sites(TRAIN)[0].function == "train_step"
    assert len(recall.find_sites(TRAIN)) == 1


def test_mutants_parse_and_keep_indentation() -> None:
    site = recall.find_sites(TRAIN)[0]
    commented = recall.mutate(TRAIN, site, "commented")
    assert "    # optimizer.apply_gradients(\n    #     zip(grads" in commented
    assert "    # )\n    return loss" in commented
    removed = recall.mutate(TRAIN, site, "removed")
    assert "apply_gradients(\n" not in removed.split("def helper_step")[0]
    for s in recall.find_sites(BRANCHES):  # each alone in its block: a ``pass`` keeps it valid
        for kind in recall.KINDS:
            ast.parse(recall.mutate(BRANCHES, s, kind))
    assert "    else:\n        pass\n" in recall.mutate(
        BRANCHES, recall.find_sites(BRANCHES)[1], "removed"
    )


def test_notebook_mutant_changes_only_the_cell(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Títle\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%matplotlib inline\n", "opt.apply_gradients(zip(g, v))\n", "x = 1"]},
    ]  # fmt: skip
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path = tmp_path / "nb.ipynb"
    path.write_text(raw, encoding="utf-8")
    units, nb, style = recall._units(path, path.read_bytes())
    assert style is not None and [u.label for u in units] == ["cell1"]
    site = recall.find_sites(units[0].masked)[0]
    assert site.start == 2
    new = recall._write_unit(
        path, nb, style, units[0], recall.mutate(units[0].source, site, "commented")
    )
    mutant = json.loads(new)
    assert mutant["cells"][1]["source"] == [
        "%matplotlib inline\n", "# opt.apply_gradients(zip(g, v))\n", "x = 1"
    ]  # fmt: skip
    mutant["cells"][1]["source"] = cells[1]["source"]
    assert json.dumps(mutant, indent=1, sort_keys=True, ensure_ascii=False) + "\n" == raw


TORCH = """\
import torch


def train(model, optimizer, scaler, scheduler, env, loader, amp):
    for x, y in loader:
        loss = model(x).sub(y).square().mean()
        if amp:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        scheduler.step()
        env.step(0)
        optimizer.zero_grad()


def lbfgs(model, optimizer, closure):
    optimizer.step(closure)
    optimizer.step(closure=closure)


def test_train(model, opt):
    model(1).backward()
    opt.step()
"""


def test_torch_sites_are_optimizer_and_scaler_steps_only() -> None:
    source = (
        "def train(optimizer, env, a):\n    env.step(a)\n    optimizer.step()\n    sched.step()\n"
    )
    assert recall.find_sites(source) == []
    assert [s.start for s in recall.find_sites(source, "torch")] == [3]
    sites = recall.find_sites(TORCH, "torch")
    assert [(s.start, s.text, s.per_branch, s.framework) for s in sites] == [
        (9, "scaler.step(optimizer)", True, "torch"),
        (13, "optimizer.step()", True, "torch"),
        (20, "optimizer.step(closure)", False, "torch"),
        (21, "optimizer.step(closure=closure)", False, "torch"),
    ]  # the scheduler, the environment and the test function's step are left out
    mixed = TRAIN + "\n\ndef torch_step(opt):\n    opt.step()\n"
    assert [s.framework for s in recall.find_sites(mixed, "all")] == ["tensorflow", "torch"]
    # Another framework's update in the other branch does not keep this path training.
    other = "if tf:\n    opt.apply_gradients(pairs)\nelse:\n    opt.step()\n"
    assert [s.per_branch for s in recall.find_sites(other, "all")] == [False, False]


def test_torch_mutants_are_scored_by_gl101_and_gl102(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "train.py").write_text(TORCH)
    zeros = {"GL001": 0, "GL101": 0, "GL102": 0}

    def lint(gradlint, root, relpath):
        # A removed step raises GL101, a commented one GL102; the mutants of line 20 raise
        # only GL001, which is no catch for a PyTorch step.
        lines = (root / relpath).read_text().splitlines()
        if lines == TORCH.splitlines():
            return dict(zeros)
        if "    optimizer.step(closure)" not in lines:
            return {**zeros, "GL001": 1}
        commented = any(line.lstrip().startswith("# ") for line in lines)
        return {**zeros, "GL102" if commented else "GL101": 1}

    monkeypatch.setattr(recall, "lint", lint)
    rows = recall.run_file(
        "proj", root, "train.py", [], recall.Originals(), recall.threading.Event(), "torch"
    )
    assert (root / "train.py").read_text() == TORCH
    got = [(r.line, r.kind, r.caught, r.framework) for r in rows]
    assert got == [
        ("9", "commented", True, "torch"),  # per-branch: no removed mutant
        ("13", "commented", True, "torch"),
        ("20", "removed", False, "torch"),  # only GL001 rose
        ("20", "commented", False, "torch"),
        ("21", "removed", True, "torch"),
        ("21", "commented", True, "torch"),
    ]
    assert recall.score({"GL101": 2, "GL102": 1, "GL001": 5}, "removed", "torch") == 2
    assert recall.score({"GL101": 2, "GL102": 1, "GL001": 5}, "commented", "torch") == 3
    assert recall.score({"GL001": 1, "GL002": 1, "GL101": 4}, "commented", "tensorflow") == 2


def test_framework_option_picks_files(tmp_path: Path) -> None:
    (tmp_path / "tf.py").write_text(TRAIN)
    (tmp_path / "pt.py").write_text(TORCH)
    assert recall.candidate_files(tmp_path, None, "tensorflow") == ["tf.py"]
    assert recall.candidate_files(tmp_path, None, "torch") == ["pt.py"]
    assert recall.candidate_files(tmp_path, None, "all") == ["pt.py", "tf.py"]
    with pytest.raises(SystemExit) as exit_info:
        recall.main([str(tmp_path), "--framework", "jax"])
    assert exit_info.value.code == 2


def test_manifest_limits_files_and_bad_input_is_one_line(
    project: Path, tmp_path: Path, capsys
) -> None:
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text(
        "repo\tcommit\tpath\nproj\tabc\ttrain.py\nproj\tabc\tgone.py\nother\tabc\tx.py\n"
    )
    listed = recall.read_manifest(manifest)["proj"]
    assert recall.candidate_files(project, listed, "tensorflow") == ["train.py"]
    assert "proj/gone.py: in the manifest, not in the checkout" in capsys.readouterr().err
    assert recall.main([str(project), "--manifest", str(tmp_path / "nope.tsv")]) == 2
    assert recall.main([str(project), "--manifest", str(manifest), "--repo-name", "unknown"]) == 2
    (tmp_path / "bad.tsv").write_text("a\tb\n")
    assert recall.main([str(project), "--manifest", str(tmp_path / "bad.tsv")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
    assert "nope.tsv" in errors[0] and "'unknown' is not a repository" in errors[1]


def test_torch_manifest_counts_backward_calls_and_step_sites(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "torch_corpus", HARNESS.with_name("torch_corpus.py")
    )
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    root = tmp_path / "owner+name"
    (root / "tests").mkdir(parents=True)
    (root / "train.py").write_text(TORCH)
    (root / "tests" / "test_x.py").write_text("def f(loss):\n    loss.backward()\n")
    (root / "run.py").write_text("if __name__ == '__main__':\n    opt.step()\n")
    (root / "plain.py").write_text("print('no training')\n")
    out = tmp_path / "m.tsv"
    assert corpus.main([str(root), "--commit", "abc", "-o", str(out)]) == 0
    assert out.read_text().splitlines() == [
        "repo\tcommit\tpath\tkind\tbackward\tstep",
        "owner+name\tabc\trun.py\tscript\t0\t1",
        "owner+name\tabc\ttests/test_x.py\ttest\t1\t0",
        "owner+name\tabc\ttrain.py\tmodule\t3\t4",  # the test function's step is no site
    ]
    assert recall.read_manifest(out) == {"owner+name": ["run.py", "tests/test_x.py", "train.py"]}


WRAPPERS = """
class DPOptimizer:
    def step(self, closure=None):
        if self.pre_step():
            return self.original_optimizer.step(closure)


class Precision:
    def optimizer_step(self, optimizer, **kwargs):
        return optimizer.step(**kwargs)

    def backward(self, tensor):
        tensor.backward()


class Module:
    def step(self, batch):
        self.loss(batch).backward()
        self.opt.step()


def train_step(model, opt):
    model(1).backward()
    opt.step()
"""


def test_step_wrappers_without_a_backward_are_no_sites() -> None:
    # A function that is itself a step (an optimizer's ``step``, a precision plugin's
    # ``optimizer_step``) and runs no backward only delegates: no backward is in reach for
    # GL101 to ask about. A ``step`` that backpropagates too is a training step.
    sites = recall.find_sites(WRAPPERS, "torch")
    assert [s.function for s in sites] == ["Module.step", "train_step"]
