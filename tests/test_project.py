"""The project model: root finding, first-party import resolution, cross-module summaries."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gradlint.analyzer.project import Project, find_root
from gradlint.analyzer.sources import SourceUnit
from gradlint.analyzer.summaries import ProjectModel
from gradlint.engine import analyze_unit

STEP = """\
import tensorflow as tf

{imports}


def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    {call}
    return loss
"""

UTILS = """\
import tensorflow as tf


def log_grads(grads):
    tf.print(tf.linalg.global_norm(grads))


def apply(optimizer, grads, variables):
    optimizer.apply_gradients(zip(grads, variables))
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def lint(path: Path, project=True) -> list[str]:
    unit = SourceUnit(path=str(path), text=path.read_text())
    return [f.code for f in analyze_unit(unit, ["GL001"], project=project)]


def make_project(tmp_path: Path, imports: str, call: str) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from .utils import log_grads\n",
            "pkg/utils.py": UTILS,
            "pkg/train.py": STEP.format(imports=imports, call=call),
        },
    )
    return tmp_path / "pkg" / "train.py"


def test_root_is_the_nearest_marker_else_the_top_of_the_package(tmp_path):
    write(tmp_path, {"a/setup.cfg": "", "a/pkg/__init__.py": "", "a/pkg/m.py": ""})
    assert find_root(tmp_path / "a/pkg/m.py") == tmp_path / "a"
    write(tmp_path, {"b/top/__init__.py": "", "b/top/sub/__init__.py": "", "b/top/sub/m.py": ""})
    assert find_root(tmp_path / "b/top/sub/m.py") == tmp_path / "b"


def test_imports_resolve_absolute_relative_and_through_reexports(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from .core import helper\n",
            "pkg/core.py": "def helper(g):\n    return g\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/user.py": "from .. import helper\nimport pkg.core as c\n",
            "pkg/cycle_a.py": "from pkg.cycle_b import f\n",
            "pkg/cycle_b.py": "from pkg.cycle_a import f\n",
        },
    )
    project = Project(tmp_path)
    index = project.index(tmp_path / "pkg/sub/user.py")
    assert index is not None
    core = tmp_path / "pkg/core.py"
    assert project.resolve_local(index, "helper").path == core
    assert project.resolve_local(index, "c.helper").qualname == "helper"
    assert project.resolve("pkg.cycle_a.f") is None  # a cycle of re-exports ends
    assert project.resolve("numpy.mean") is None  # third party
    assert set(project.dependents(core)) == {
        tmp_path / "pkg/__init__.py",
        tmp_path / "pkg/sub/user.py",
    }


def test_imported_helper_that_only_observes_is_a_finding(tmp_path):
    train = make_project(tmp_path, "from pkg import utils", "utils.log_grads(grads)")
    assert lint(train) == ["GL001"]
    assert lint(train, project=False) == []  # --no-project: the old, isolated verdict


def test_reexported_helper_that_only_observes_is_a_finding(tmp_path):
    train = make_project(tmp_path, "from pkg import log_grads", "log_grads(grads)")
    assert lint(train) == ["GL001"]


def test_imported_helper_that_applies_is_quiet(tmp_path):
    train = make_project(
        tmp_path,
        "from .utils import apply",
        "apply(optimizer, grads, model.trainable_variables)",
    )
    assert lint(train) == []


def test_same_class_helper_named_like_an_update_is_read_first(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "base.py": "class Agent:\n    def _apply_gradients(self, grads, variables):\n"
            "        print(len(grads))\n",
            "agent.py": """\
                import tensorflow as tf
                from base import Agent


                class DDPG(Agent):
                    def train(self, x):
                        with tf.GradientTape() as tape:
                            loss = self.model(x)
                        grads = tape.gradient(loss, self.model.trainable_variables)
                        self._apply_gradients(grads, self.model.trainable_variables)
                        self.optimizer.minimize
                        return loss
            """,
        },
    )
    assert lint(tmp_path / "agent.py") == ["GL001"]


def test_in_memory_sources_replace_the_disk(tmp_path):
    train = make_project(tmp_path, "from pkg import utils", "utils.log_grads(grads)")
    edited = UTILS.replace("tf.print(", "store.append(grads)\n    tf.print(")
    model = ProjectModel(overrides={str(tmp_path / "pkg/utils.py"): edited})
    unit = SourceUnit(path=str(train), text=train.read_text())
    assert [f.code for f in analyze_unit(unit, ["GL001"], project=model)] == []
    assert set(model.dependents(tmp_path / "pkg/utils.py")) == {
        tmp_path / "pkg/__init__.py",
        train,
    }


def test_cache_is_reused_and_a_changed_helper_invalidates_its_dependents(tmp_path, monkeypatch):
    from gradlint.api import lint_paths
    from gradlint.settings import Settings

    train = make_project(tmp_path, "from pkg import utils", "utils.log_grads(grads)")
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path, jobs=1)
    assert [f.code for f in lint_paths(["pkg"], settings).findings] == ["GL001"]
    calls = []
    import gradlint.runner as runner

    original = runner.analyze_units

    def counted(units, codes, jobs=None, pool=None):
        units = list(units)
        calls.extend(u.path for u in units)
        return original(units, codes, jobs, pool)

    monkeypatch.setattr(runner, "analyze_units", counted)
    assert [f.code for f in lint_paths(["pkg"], settings).findings] == ["GL001"]
    assert calls == []  # nothing re-analyzed
    utils = tmp_path / "pkg/utils.py"
    utils.write_text(utils.read_text().replace("tf.print(", "store.append(grads)\n    tf.print("))
    assert lint_paths(["pkg"], settings).findings == []
    assert str(Path("pkg/train.py")) in calls  # the dependent was analyzed again
    assert train.exists()


HELPER = """\
import tensorflow as tf


def grad(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    return loss, tape.gradient(loss, model.trainable_variables)
"""

LOOP = """\
from pkg.helper import grad


def train_loop(model, optimizer, dataset):
    for x, y in dataset:
        loss, grads = grad(model, x, y)
        {use}
"""


def make_callers(tmp_path: Path, use: str) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/helper.py": HELPER,
            "pkg/loop.py": LOOP.format(use=use),
        },
    )
    return tmp_path / "pkg" / "helper.py"


def test_returned_gradients_dropped_by_a_caller_in_another_module(tmp_path):
    helper = make_callers(tmp_path, "print(loss)")
    unit = SourceUnit(path=str(helper), text=helper.read_text())
    result = analyze_unit(unit, ["GL001"])
    assert [(f.code, f.line) for f in result] == [("GL001", 7)]
    assert "'train_loop' (pkg/loop.py:6) as 'grads'" in result[0].message
    # The finding depends on the caller's file and on the tree (a new caller may appear).
    assert str(tmp_path / "pkg/loop.py") in result.dependencies
    assert any(name.startswith("<tree>") for name in result.dependencies)
    assert lint(helper, project=False) == []  # --no-project: no callers are seen


def test_returned_gradients_applied_by_a_caller_in_another_module_are_quiet(tmp_path):
    helper = make_callers(
        tmp_path, "optimizer.apply_gradients(zip(grads, model.trainable_variables))"
    )
    assert lint(helper) == []


def test_a_caller_in_a_test_file_does_not_count(tmp_path):
    helper = make_callers(
        tmp_path, "optimizer.apply_gradients(zip(grads, model.trainable_variables))"
    )
    write(tmp_path, {"pkg/test_helper.py": LOOP.format(use="print(loss)")})
    assert lint(helper) == []


def test_a_changed_caller_invalidates_the_helper_s_cached_result(tmp_path, monkeypatch):
    from gradlint.api import lint_paths
    from gradlint.settings import Settings

    make_callers(tmp_path, "optimizer.apply_gradients(zip(grads, model.trainable_variables))")
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path, jobs=1)
    assert lint_paths(["pkg/helper.py"], settings).findings == []
    loop = tmp_path / "pkg/loop.py"
    loop.write_text(LOOP.format(use="print(loss)"))
    assert [f.code for f in lint_paths(["pkg/helper.py"], settings).findings] == ["GL001"]


def test_a_later_notebook_cell_that_drops_returned_gradients(tmp_path):
    import json

    cells = [
        HELPER,
        "optimizer = tf.keras.optimizers.SGD()\nmodel = tf.keras.Sequential()\n",
        "for x, y in dataset:\n    loss_value, grads = grad(model, x, y)\n    print(loss_value)\n",
    ]
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "walkthrough.ipynb"
    path.write_text(json.dumps(notebook))
    from gradlint.engine import analyze_file

    (finding,) = analyze_file(path, str(path), ["GL001"])
    assert finding.cell == 1
    assert "returned to module-level code (cell 3, line 2) as 'grads'" in finding.message


BASE_AGENT = """\
import tensorflow as tf


class Agent:
    def __init__(self, encoder):
        self.encoder = encoder
        self.log_alpha = tf.Variable(0.0)
        self.encoder_optimizer = tf.keras.optimizers.Adam(1e-3)
        self.temperature = 0.1
"""

SUBCLASS_STEP = """\
import tensorflow as tf

from pkg.base import Agent


class Curl(Agent):
    @tf.function
    def update(self, x):
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.reduce_mean(self.encoder(x)) * self.log_alpha
        grads = tape.gradient(loss, {sources})
        {use}
        return loss
"""


def make_subclass(tmp_path: Path, sources: str, use: str) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/base.py": BASE_AGENT,
            "pkg/curl.py": SUBCLASS_STEP.format(sources=sources, use=use),
        },
    )
    return tmp_path / "pkg" / "curl.py"


def test_weight_attribute_assigned_in_a_base_class_of_another_module(tmp_path):
    # ``self.log_alpha = tf.Variable(...)`` in the base class's module: weights; and the
    # base class's optimizer attribute shows training intent for the subclass's step.
    curl = make_subclass(tmp_path, "[self.log_alpha]", "tf.print(tf.linalg.global_norm(grads))")
    assert lint(curl) == ["GL001"]
    assert lint(curl, project=False) == []


def test_base_class_optimizer_shows_intent_for_trainable_variables(tmp_path):
    curl = make_subclass(tmp_path, "self.encoder.trainable_variables", "tf.print(len(grads))")
    assert lint(curl) == ["GL001"]


def test_base_class_attribute_that_is_no_variable_stays_quiet(tmp_path):
    # ``self.temperature`` is a float of the base class: not weights, a sensitivity check.
    curl = make_subclass(tmp_path, "[self.temperature]", "tf.print(grads)")
    assert lint(curl) == []
    applied = make_subclass(
        tmp_path,
        "[self.log_alpha]",
        "self.encoder_optimizer.apply_gradients(zip(grads, [self.log_alpha]))",
    )
    assert lint(applied) == []


def test_mentions_is_a_cheap_maybe_on_the_file_or_its_unsaved_text(tmp_path):
    """The caller search's first filter: any occurrence of the name counts (in a string, a
    comment, a longer name), on disk or in an editor's unsaved text."""
    (tmp_path / "setup.cfg").write_text("")
    module = tmp_path / "pkg" / "train.py"
    module.parent.mkdir()
    module.write_text("# calls compute_grads later\nx = 1\n")
    project = Project(tmp_path)
    assert project.mentions(module, "compute_grads")
    assert project.mentions(module, "grads")  # inside a longer name: a maybe all the same
    assert not project.mentions(module, "apply_grads")
    edited = Project(tmp_path, overrides={module: "apply_grads(g)\n"})
    assert edited.mentions(module.resolve(), "apply_grads")
    assert not edited.mentions(module.resolve(), "compute_grads")
