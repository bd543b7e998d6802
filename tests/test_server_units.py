"""The parts of ``gradlint server`` that need no editor: the CLI stays light, and the
helpers the server uses for ``noqa`` edits and notebooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradlint.server.linting import Cell, LineEdit, noqa_edit, notebook_unit

REPO = Path(__file__).resolve().parent.parent


def test_the_cli_does_not_import_pygls():
    script = (
        "import sys\n"
        "from gradlint.cli import main\n"
        "sys.argv = ['gradlint', '--no-cache', 'examples/']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_server_without_pygls_says_how_to_install_it():
    script = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"
        "from gradlint.cli import main\n"
        "sys.argv = ['gradlint', 'server']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "gradlint: error: the language server needs pygls: install the 'lsp' extra (pip install '.[lsp]' in a checkout)"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    grads = f(x)\n", LineEdit(16, 16, "  # noqa: GL001")),
        ("    grads = f(x)   ", LineEdit(16, 19, "  # noqa: GL001")),
        ("    grads = f(x)  # why\n", LineEdit(23, 23, "  # noqa: GL001")),
        ("    grads = f(x)  # noqa: GL002\n", LineEdit(31, 31, ", GL001")),
        ("    grads = f(x)  # NOQA:GL002,GL005 see below", LineEdit(36, 36, ", GL001")),
        ("    grads = f(x)  # noqa\n", None),
        ("    grads = f(x)  # noqa: GL001\n", None),
        ("    grads = f(x, \\\n", None),
    ],
)
def test_noqa_edit(line: str, expected: LineEdit | None):
    assert noqa_edit(line, "GL001") == expected


def test_noqa_edit_is_what_the_suppression_reads():
    from gradlint.analyzer.suppressions import noqa_codes

    for line in ("x = 1", "x = 1  # noqa: GL002", "x = 1  # a comment"):
        edit = noqa_edit(line, "GL001")
        assert edit is not None
        edited = line[: edit.start] + edit.text + line[edit.end :]
        assert "GL001" in noqa_codes(edited)


def test_notebook_unit_numbers_cells_like_the_ipynb_reader():
    unit = notebook_unit(
        "train.ipynb",
        [Cell("# Title", python=False), Cell("%matplotlib inline\nx = 1\n", True), Cell("y", True)],
    )
    assert unit.kind == "notebook"
    assert [(span.cell, span.line_count) for span in unit.cells] == [(2, 2), (3, 1)]
    assert unit.text == "pass\nx = 1\ny\n"


def test_the_server_and_the_cli_share_the_findings_cache(tmp_path, monkeypatch):
    """A buffer whose text a ``gradlint`` run has seen is answered from that run's cache
    entry, and a buffer the server stored (opened or saved) serves the next CLI run."""
    from gradlint import api
    from gradlint.cache import Cache
    from gradlint.config import load_settings
    from gradlint.server.linting import ProjectStore, lint_unit, python_unit

    frozen = (REPO / "examples" / "frozen_loop.py").read_text()
    (tmp_path / "pyproject.toml").write_text('[tool.gradlint]\nignore = ["GL002"]\n')
    (tmp_path / "train.py").write_text(frozen)
    monkeypatch.chdir(tmp_path)
    cli = api.lint_paths(["train.py"], load_settings(cwd=tmp_path))
    assert [f.code for f in cli.findings] == ["GL001"]

    project = ProjectStore([tmp_path]).for_file(tmp_path / "train.py")
    assert isinstance(project.cache, Cache)
    outcome = lint_unit(python_unit(str(tmp_path / "train.py"), frozen), project)
    assert outcome.from_cache
    assert [(f.code, f.line) for f in outcome.findings] == [("GL001", 29)]

    edited = frozen.replace("    return loss\n", "    return loss * 2\n", 1)
    assert not lint_unit(python_unit("buffer.py", edited), project).from_cache  # typing
    lint_unit(python_unit("buffer.py", edited), project, store=True)  # saved
    assert lint_unit(python_unit("buffer.py", edited), project).from_cache


def test_settings_come_from_the_nearest_configuration_file(tmp_path):
    from gradlint.server.linting import ProjectStore

    (tmp_path / "setup.cfg").write_text("[gradlint]\nselect = GL001\n")
    (tmp_path / "pkg").mkdir()
    store = ProjectStore([tmp_path])
    project = store.for_file(tmp_path / "pkg" / "train.py")
    assert project.codes == ["GL000", "GL001"]
    assert project.settings.root == tmp_path.resolve()
    (tmp_path / "setup.cfg").write_text("[gradlint]\nselect = GL00x\n")
    assert store.for_file(tmp_path / "pkg" / "train.py") is project  # until invalidated
    store.invalidate()
    broken = store.for_file(tmp_path / "pkg" / "train.py")
    assert "unknown rule code or prefix 'GL00X'" in broken.config_error
    assert "GL002" in broken.codes  # the defaults meanwhile


def _cross_module_project(tmp_path):
    """train.py hands its gradients to helpers.apply; helpers.py on disk applies them."""
    from frozen_sources import CALLER, HELPER_APPLIES, HELPER_DROPS

    (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\n")
    (tmp_path / "helpers.py").write_text(HELPER_APPLIES)
    (tmp_path / "train.py").write_text(CALLER)
    return CALLER, HELPER_DROPS


def test_an_unsaved_helper_buffer_is_read_and_never_cached_as_the_disk_result(tmp_path):
    from gradlint.server.linting import ProjectStore, lint_unit, python_unit

    caller, drops = _cross_module_project(tmp_path)
    train, helpers = str(tmp_path / "train.py"), str(tmp_path / "helpers.py")
    project = ProjectStore([tmp_path]).for_file(tmp_path / "train.py")
    unit = python_unit(train, caller)

    edited = lint_unit(unit, project, store=True, buffers={helpers: drops})
    assert [f.code for f in edited.findings] == ["GL001"]
    assert helpers in edited.dependencies
    # Stored? No: the disk's helper applies, and the CLI must not get the buffer's answer.
    on_disk = lint_unit(unit, project, store=True)
    assert (on_disk.findings, on_disk.from_cache) == ([], False)
    # That one was stored, with the helper it depends on: a hit, unless a buffer differs.
    assert lint_unit(unit, project).from_cache
    again = lint_unit(unit, project, buffers={helpers: drops})
    assert (again.from_cache, [f.code for f in again.findings]) == (False, ["GL001"])


def test_project_false_reads_no_helper(tmp_path):
    from gradlint.server.linting import ProjectStore, lint_unit, python_unit

    caller, drops = _cross_module_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\nproject = false\n")
    project = ProjectStore([tmp_path]).for_file(tmp_path / "train.py")
    unit = python_unit(str(tmp_path / "train.py"), caller)
    outcome = lint_unit(unit, project, buffers={str(tmp_path / "helpers.py"): drops})
    assert (outcome.findings, outcome.dependencies) == ([], {})


def test_depends_on_reads_files_and_whole_project_searches(tmp_path):
    from gradlint.analyzer.project import TREE_DEPENDENCY
    from gradlint.server.linting import depends_on

    helper = tmp_path / "pkg" / "helpers.py"
    assert depends_on({str(helper): "d"}, helper)
    assert not depends_on({str(helper): "d"}, tmp_path / "pkg" / "other.py")
    assert depends_on({f"{TREE_DEPENDENCY}{tmp_path}": "d"}, tmp_path / "pkg" / "other.py")
    assert not depends_on({f"{TREE_DEPENDENCY}{tmp_path / 'pkg'}": "d"}, tmp_path / "x.py")


def test_a_helper_that_returns_gradients_reads_its_callers_open_buffers(tmp_path):
    """The helper's finding names a caller in another module; editing that caller (unsaved)
    changes it, and the caller is one of the files the finding depends on."""
    from gradlint.server.linting import ProjectStore, depends_on, lint_unit, python_unit

    (tmp_path / "pyproject.toml").write_text("")
    helper = (
        "import tensorflow as tf\n\n\ndef grad(model, x, y):\n"
        "    with tf.GradientTape() as tape:\n        loss = tf.reduce_mean(model(x) - y)\n"
        "    return loss, tape.gradient(loss, model.trainable_variables)\n"
    )
    dropping = (
        "import tensorflow as tf\n\nfrom grads import grad\n\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "opt = tf.keras.optimizers.SGD(0.1)\n\n\ndef train_loop(data):\n"
        "    for x, y in data:\n        loss, grads = grad(model, x, y)\n        print(loss)\n"
    )
    applying = dropping.replace(
        "print(loss)", "opt.apply_gradients(zip(grads, model.trainable_variables))"
    )
    (tmp_path / "grads.py").write_text(helper)
    (tmp_path / "loop.py").write_text(dropping)
    project = ProjectStore([tmp_path]).for_file(tmp_path / "grads.py")
    unit = python_unit(str(tmp_path / "grads.py"), helper)

    dropped = lint_unit(unit, project)
    (finding,) = dropped.findings
    assert "'train_loop' (loop.py:11)" in finding.message
    assert depends_on(dropped.dependencies, tmp_path / "loop.py")
    fixed = lint_unit(unit, project, buffers={str(tmp_path / "loop.py"): applying})
    assert fixed.findings == []
