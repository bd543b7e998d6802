"""Notebooks end to end: discovery, GL001 across cells, cell locations, GL000 for bad files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_notebooks_support import code, jupyter_bytes, md, notebook

from gradlint.api import lint_paths
from gradlint.cli import main
from gradlint.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"

STEP_CELLS = (
    code("import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])"),
    code("optimizer = tf.keras.optimizers.SGD()"),
    code(
        "for x, y in data:\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean((model(x) - y) ** 2)\n"
        "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    print(loss)"
    ),
)


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["--no-cache", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in (
        "frozen_three_cells.ipynb",
        "correct_three_cells.ipynb",
        "frozen_step_function.ipynb",
        "correct_step_function.ipynb",
    ):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def gl_findings(output: str) -> list[dict]:
    return [f for f in json.loads(output) if f["code"] != "GL000"]


def test_frozen_loop_spread_over_three_cells_is_reported_in_its_cell(workdir):
    # Optimizer in cell 3, tape in cell 6, `tape.gradient` in cell 7 under a `%%time` magic.
    status, output = run(["frozen_three_cells.ipynb"], workdir)
    assert status == 1
    lines = output.splitlines()
    assert lines[0].startswith("frozen_three_cells.ipynb:cell 7:2:9: GL001 gradients 'grads'")
    assert len(lines) == 2  # the finding and the summary


def test_json_cell_and_in_cell_positions(workdir):
    status, output = run(["--format", "json", "frozen_three_cells.ipynb"], workdir)
    assert status == 1
    (finding,) = json.loads(output)
    assert (finding["code"], finding["cell"], finding["line"], finding["column"]) == (
        "GL001",
        7,
        2,
        9,
    )
    assert finding["end_line"] == 2
    assert finding["path"] == "frozen_three_cells.ipynb"


def test_annotations_point_at_the_line_of_the_ipynb_file(workdir):
    (finding,) = lint_paths([str(workdir / "frozen_three_cells.ipynb")], Settings()).findings
    raw_lines = (workdir / "frozen_three_cells.ipynb").read_text().split("\n")
    assert (
        '"grads = tape.gradient(loss, model.trainable_variables)\\n"'
        in raw_lines[finding.annotation_line - 1]
    )
    assert finding.annotation_end_line == finding.annotation_line


def test_the_same_notebook_with_the_update_is_clean(workdir):
    assert run(["correct_three_cells.ipynb"], workdir)[0] == 0


def test_step_function_and_loop_in_different_cells(workdir):
    status, output = run(["--format", "json", "frozen_step_function.ipynb"], workdir)
    assert status == 1
    (finding,) = json.loads(output)
    assert (finding["cell"], finding["line"], finding["column"]) == (4, 5, 13)
    # The `%%bash` cell that echoes an apply_gradients line is not Python and applies nothing.
    assert run(["correct_step_function.ipynb"], workdir)[0] == 0


def test_folders_are_searched_for_notebooks(workdir):
    status, output = run(["--format", "json", "."], workdir)
    assert status == 1
    found = sorted((f["path"], f["cell"]) for f in json.loads(output))
    assert found == [("frozen_step_function.ipynb", 4), ("frozen_three_cells.ipynb", 7)]


def test_bad_notebooks_give_gl000_and_the_run_goes_on(workdir):
    (workdir / "broken.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code",\n}\n')
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}
    (workdir / "old.ipynb").write_text(json.dumps(old))
    bad_source = notebook(md("m"), code("x = 1"))
    bad_source["cells"][1]["source"] = 12
    (workdir / "bad_source.ipynb").write_bytes(jupyter_bytes(bad_source))
    (workdir / "no_cells.ipynb").write_text('{"nbformat": 4, "metadata": {}}')
    (workdir / "prose.ipynb").write_bytes(jupyter_bytes(notebook(md("# only text"))))
    status, output = run(["--format", "json", "."], workdir)
    assert status == 1
    by_path = {}
    for finding in json.loads(output):
        by_path.setdefault(finding["path"], []).append(finding)
    assert "prose.ipynb" not in by_path
    assert [f["code"] for f in by_path["frozen_three_cells.ipynb"]] == ["GL001"]
    messages = {path: fs[0]["message"] for path, fs in by_path.items() if fs[0]["code"] == "GL000"}
    assert messages["broken.ipynb"].startswith("invalid JSON:")
    assert by_path["broken.ipynb"][0]["line"] == 4
    assert messages["old.ipynb"].startswith("nbformat 3 is not supported")
    assert messages["bad_source.ipynb"].startswith("cell 2: 'source' must be a string or a list")
    assert messages["no_cells.ipynb"] == "not a notebook: no 'cells' list"


def test_gl000_text_line_names_the_file(workdir):
    (workdir / "broken.ipynb").write_text("{")
    status, output = run(["broken.ipynb"], workdir)
    assert status == 1
    assert output.splitlines()[0].startswith("broken.ipynb:1:2: GL000 invalid JSON:")


def test_notebook_without_code_cells_is_clean(tmp_path):
    (tmp_path / "prose.ipynb").write_bytes(jupyter_bytes(notebook(md("# text"), md("more"))))
    status, output = run(["prose.ipynb"], tmp_path)
    assert status == 0
    assert "All checks passed" in output


def test_syntax_error_in_a_cell_names_the_cell(tmp_path):
    nb = notebook(
        md("m"),
        code("import tensorflow as tf\ntape = tf.GradientTape()"),
        code("x = 1\ndef broken(:\n    pass"),
    )
    (tmp_path / "nb.ipynb").write_bytes(jupyter_bytes(nb))
    status, output = run(["--format", "json", "nb.ipynb"], tmp_path)
    assert status == 1
    (finding,) = json.loads(output)
    assert finding["code"] == "GL000"
    assert "(cell 3, line 2)" in finding["message"]


def test_noqa_inside_a_cell_silences_the_finding(tmp_path):
    cells = list(STEP_CELLS)
    nb = notebook(*cells)
    (tmp_path / "loud.ipynb").write_bytes(jupyter_bytes(nb))
    quiet_source = "".join(nb["cells"][2]["source"]).replace(
        "model.trainable_variables)\n", "model.trainable_variables)  # noqa: GL001\n"
    )
    (tmp_path / "quiet.ipynb").write_bytes(
        jupyter_bytes(notebook(cells[0], cells[1], code(quiet_source)))
    )
    status, output = run(["--format", "json", "."], tmp_path)
    assert [(f["path"], f["cell"], f["line"]) for f in gl_findings(output)] == [
        ("loud.ipynb", 3, 4)
    ]


def test_magics_around_the_loop_do_not_move_the_finding(tmp_path):
    loop = "".join(STEP_CELLS[2]["source"])
    magic_loop = "%%time\n!nvidia-smi\n" + loop.replace(
        "    print(loss)", "    loss?\n    %time f()"
    )
    nb = notebook(
        STEP_CELLS[0],
        md("x"),
        code("%matplotlib inline\n" + "".join(STEP_CELLS[1]["source"])),
        code(magic_loop),
    )
    (tmp_path / "nb.ipynb").write_bytes(jupyter_bytes(nb))
    status, output = run(["--format", "json", "nb.ipynb"], tmp_path)
    assert status == 1
    (finding,) = json.loads(output)
    assert (finding["code"], finding["cell"], finding["line"], finding["column"]) == (
        "GL001",
        4,
        6,
        13,
    )
