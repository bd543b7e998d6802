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


def test_torch_flag_adds_optimizer_step_only() -> None:
    source = (
        "def train(optimizer, env, a):\n    env.step(a)\n    optimizer.step()\n    sched.step()\n"
    )
    assert recall.find_sites(source) == []
    assert [s.start for s in recall.find_sites(source, torch=True)] == [3]


def test_manifest_limits_files_and_bad_input_is_one_line(
    project: Path, tmp_path: Path, capsys
) -> None:
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text(
        "repo\tcommit\tpath\nproj\tabc\ttrain.py\nproj\tabc\tgone.py\nother\tabc\tx.py\n"
    )
    assert recall.candidate_files(project, recall.read_manifest(manifest)["proj"], False) == [
        "train.py"
    ]
    assert "proj/gone.py: in the manifest, not in the checkout" in capsys.readouterr().err
    assert recall.main([str(project), "--manifest", str(tmp_path / "nope.tsv")]) == 2
    assert recall.main([str(project), "--manifest", str(manifest), "--repo-name", "unknown"]) == 2
    (tmp_path / "bad.tsv").write_text("a\tb\n")
    assert recall.main([str(project), "--manifest", str(tmp_path / "bad.tsv")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
    assert "nope.tsv" in errors[0] and "'unknown' is not a repository" in errors[1]
