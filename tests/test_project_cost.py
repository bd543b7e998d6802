"""What the project model costs, and that saving it never serves a stale result.

A finding about gradients returned to callers depends on the whole tree (a new caller may
appear anywhere): its cache entry records a fingerprint of every file's name, size and time
stamps, and a warm run checked it by walking the tree once per such entry; the analysis
walked it once per file too, and read every file of the project once per file whose
callers it searched. Within one run the tree is taken once (:func:`one_snapshot`); outside a
run (an editor, a later run) nothing is remembered.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from gradlint.analyzer import project as project_module
from gradlint.analyzer.project import Project, current_digest, one_snapshot, tree_fingerprint

HELPER = """\
import tensorflow as tf


def grad_{n}(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    return loss, tape.gradient(loss, model.trainable_variables)
"""

LOOP = """\
from pkg.helper_{n} import grad_{n}


def train_loop_{n}(model, optimizer, dataset):
    for x, y in dataset:
        loss, grads = grad_{n}(model, x, y)
        {use}
"""

APPLY = "optimizer.apply_gradients(zip(grads, model.trainable_variables))"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def make_tree(root: Path, helpers: int = 3, use: str = APPLY) -> None:
    files = {"pyproject.toml": "", "pkg/__init__.py": ""}
    for n in range(helpers):
        files[f"pkg/helper_{n}.py"] = HELPER.format(n=n)
        files[f"pkg/loop_{n}.py"] = LOOP.format(n=n, use=use)
    write(root, files)


@pytest.fixture
def walks(monkeypatch):
    """Counts the walks of a project tree."""
    counted = []
    original = os.walk

    def counting(top, *args, **kwargs):
        counted.append(Path(top))
        return original(top, *args, **kwargs)

    monkeypatch.setattr(project_module.os, "walk", counting)
    return counted


def test_within_a_snapshot_the_tree_is_fingerprinted_once(tmp_path, walks):
    make_tree(tmp_path)
    with one_snapshot():
        first = tree_fingerprint(tmp_path)
        assert tree_fingerprint(tmp_path) == first
    assert len(walks) == 1


def test_outside_a_snapshot_a_change_shows_at_once(tmp_path):
    make_tree(tmp_path)
    before = tree_fingerprint(tmp_path)
    with one_snapshot():
        assert tree_fingerprint(tmp_path) == before
    (tmp_path / "pkg" / "new_caller.py").write_text("x = 1\n")
    assert tree_fingerprint(tmp_path) != before
    helper = tmp_path / "pkg" / "helper_0.py"
    digest = current_digest(helper)
    with one_snapshot():
        assert current_digest(helper) == digest
    helper.write_text(helper.read_text() + "# changed\n")
    assert current_digest(helper) != digest


def test_a_snapshot_inside_a_snapshot_keeps_the_outer_one(tmp_path, walks):
    make_tree(tmp_path)
    with one_snapshot():
        tree_fingerprint(tmp_path)
        with one_snapshot():
            tree_fingerprint(tmp_path)
        tree_fingerprint(tmp_path)
    assert len(walks) == 1


def test_files_mentioning_reads_each_file_once_per_project(tmp_path, monkeypatch):
    make_tree(tmp_path)
    project = Project(tmp_path)
    reads = []
    original = Path.read_bytes

    def counting(self):
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    assert {p.name for p in project.files_mentioning("grad_0")} == {"helper_0.py", "loop_0.py"}
    assert {p.name for p in project.files_mentioning("grad_1")} == {"helper_1.py", "loop_1.py"}
    assert len(reads) == len(set(reads)) == len(project.files())


def test_analyzing_files_within_a_snapshot_walks_the_tree_once(tmp_path, walks):
    """What a worker does: every helper's callers are searched, and each result records
    the tree's fingerprint; one walk serves them all."""
    from gradlint.analyzer.sources import SourceUnit
    from gradlint.analyzer.summaries import ProjectModel
    from gradlint.engine import analyze_unit

    make_tree(tmp_path, helpers=4, use="print(loss)")
    model = ProjectModel()
    found = []
    with one_snapshot():
        for n in range(4):
            path = tmp_path / "pkg" / f"helper_{n}.py"
            unit = SourceUnit(path=str(path), text=path.read_text())
            result = analyze_unit(unit, ["GL001"], project=model)
            found += [(path.name, f.code) for f in result]
            assert any(name.startswith("<tree>") for name in result.dependencies)
    assert found == [(f"helper_{n}.py", "GL001") for n in range(4)]
    assert walks == [tmp_path]


def test_a_warm_run_checks_the_tree_once_and_still_sees_a_changed_caller(
    tmp_path, monkeypatch, walks
):
    """Every helper's result depends on the tree: the warm run walks it once, not once per
    entry, and a caller that lost its update afterwards is still found."""
    from gradlint.api import lint_paths
    from gradlint.settings import Settings

    make_tree(tmp_path, helpers=4)
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path, jobs=1)
    assert lint_paths(["pkg"], settings).findings == []
    walks.clear()
    assert lint_paths(["pkg"], settings).findings == []
    assert [w for w in walks if w == tmp_path] == [tmp_path]
    loop = tmp_path / "pkg" / "loop_2.py"
    loop.write_text(textwrap.dedent(LOOP.format(n=2, use="print(loss)")))
    findings = lint_paths(["pkg"], settings).findings
    assert [(Path(f.path).name, f.code) for f in findings] == [("helper_2.py", "GL001")]


UTILS = """\
import tensorflow as tf


def log_grads(grads):
    tf.print(tf.linalg.global_norm(grads))
"""

STEP = """\
import tensorflow as tf

from pkg import utils


def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    utils.log_grads(grads)
    return loss
"""


@pytest.fixture
def precommit(tmp_path, monkeypatch):
    """A project, its cache, and the paths each analysis parsed with LibCST."""
    from gradlint.analyzer import parsing
    from gradlint.cache import Cache

    write(tmp_path, {"pyproject.toml": "", "pkg/__init__.py": "", "pkg/utils.py": UTILS})
    write(tmp_path, {"pkg/train.py": STEP})
    cache = Cache.open(tmp_path / ".gradlint_cache", "test", ["GL001"])
    assert cache is not None
    parsed: list[str] = []
    original = parsing.parse_unit

    def counting(unit, *args, **kwargs):
        parsed.append(Path(unit.path).name)
        return original(unit, *args, **kwargs)

    monkeypatch.setattr(parsing, "parse_unit", counting)
    return tmp_path, cache, parsed


def _lint_changed(root: Path, cache, edit: str = "") -> tuple[list[str], int]:
    """One run as pre-commit makes it: a fresh process (a fresh model) on the changed file."""
    from gradlint.analyzer.sources import SourceUnit
    from gradlint.analyzer.summaries import ProjectModel
    from gradlint.engine import analyze_unit

    train = root / "pkg" / "train.py"
    train.write_text(STEP + edit)
    model = ProjectModel(backend=cache.summaries())
    unit = SourceUnit(path=str(train), text=train.read_text())
    codes = [f.code for f in analyze_unit(unit, ["GL001"], project=model)]
    return codes, model.store_for(train).computed


def test_a_changed_file_reads_the_summaries_of_its_helpers_from_the_cache(precommit):
    root, cache, parsed = precommit
    assert _lint_changed(root, cache) == (["GL001"], 1)
    assert "utils.py" in parsed
    parsed.clear()
    assert _lint_changed(root, cache, "# edited\n") == (["GL001"], 0)
    assert parsed == ["train.py"]  # the helper is not parsed with LibCST again


def test_a_changed_helper_is_summarised_again(precommit):
    """The summaries are keyed by the helper's content: an edited helper is never answered
    from the cache (here it now stores the gradients, so the step is no longer frozen)."""
    root, cache, parsed = precommit
    assert _lint_changed(root, cache) == (["GL001"], 1)
    utils = root / "pkg" / "utils.py"
    utils.write_text(UTILS.replace("tf.print(", "STORE.append(grads)\n    tf.print("))
    parsed.clear()
    assert _lint_changed(root, cache, "# edited\n") == ([], 1)
    assert "utils.py" in parsed


def test_a_callers_position_is_computed_only_for_a_finding(monkeypatch):
    """A caller that drops returned gradients outside any loop, in a file with no optimizer
    in reach, ends in no finding: its position (the code of its whole top-level statement,
    for a method of a large class) must not be computed (TensorFlow's ``optimizer_v2.py``
    paid 0.4 s for it)."""
    from gradlint.analyzer import returned_gradients
    from gradlint.api import lint_source

    computed: list[object] = []
    original = returned_gradients._Module.where

    def counting(self, node):
        computed.append(node)
        return original(self, node)

    monkeypatch.setattr(returned_gradients._Module, "where", counting)
    body = (
        "def grad(model, x):\n    with tf.GradientTape() as tape:\n"
        "        loss = model(x)\n"
        "    return tape.gradient(loss, model.trainable_variables)\n\n"
        "def peek(model, x):\n    grads = grad(model, x)\n    print('computed')\n"
    )
    quiet = "import tensorflow as tf\n\n" + body
    assert not [f for f in lint_source(quiet, "train.py") if f.code == "GL001"]
    assert computed == []
    training = "import tensorflow as tf\n\nopt = tf.keras.optimizers.SGD()\n\n" + body
    findings = [f for f in lint_source(training, "train.py") if f.code == "GL001"]
    assert findings and "'peek' (line 11)" in findings[0].message
    assert computed


def test_module_paths_are_looked_up_on_disk_once_per_run(tmp_path, monkeypatch):
    """Every dotted name a file calls through an import asks where its module is: within a
    run each candidate file is checked once; outside one, a new module shows at once."""
    make_tree(tmp_path)
    checked: list[Path] = []
    original = Path.is_file

    def counting(self):
        checked.append(self)
        return original(self)

    monkeypatch.setattr(Path, "is_file", counting)
    project = Project(tmp_path)
    with one_snapshot():
        assert project.module_path("pkg.helper_0") == tmp_path / "pkg" / "helper_0.py"
        first = len(checked)
        for _ in range(3):
            project.module_path("pkg.helper_0")
            project.module_path("pkg.missing")
        missing = len(checked) - first
        project.module_path("pkg.missing")
        assert len(checked) == first + missing
    assert project.module_path("pkg.late") is None
    (tmp_path / "pkg" / "late.py").write_text("x = 1\n")
    assert project.module_path("pkg.late") == tmp_path / "pkg" / "late.py"
