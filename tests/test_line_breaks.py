"""Lines are counted the way Python counts them (``\\r\\n``, ``\\r``, ``\\n``) everywhere.

``str.splitlines`` also breaks at form feeds, vertical tabs, ``\\x1c``-``\\x1e``, ``\\x85`` and
``\\u2028``/``\\u2029``, so a file with a form-feed page break (a classic of Emacs-edited
code) would have its ``noqa`` comments and ``--show-source`` lines read one line off.
"""

from __future__ import annotations

import json

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.output.positions import SourceLines

FROZEN = (
    "import tensorflow as tf\n"
    "\x0c\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
    "optimizer = tf.keras.optimizers.Adam()  # a comment with a \x0b in it\n"
    "\n"
    "def train_step(x, y):\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = tf.reduce_mean(tf.square(model(x) - y))\n"
    "    grads = tape.gradient(loss, model.trainable_variables)  # noqa: GL001\n"
    "    print(grads)\n"
    "    return loss\n"
)


def test_noqa_after_a_form_feed_is_read_on_the_finding_line():
    assert "GL001" in [
        f.code
        for f in analyze_unit(SourceUnit("t.py", FROZEN.replace("  # noqa: GL001", "")), ["GL001"])
    ]
    assert analyze_unit(SourceUnit("t.py", FROZEN), ["GL001"]) == []


def test_source_lines_count_python_lines(tmp_path):
    text = FROZEN.replace("  # noqa: GL001", "")
    (tmp_path / "t.py").write_bytes(text.encode())
    (finding,) = analyze_unit(SourceUnit("t.py", text), ["GL001"])
    assert SourceLines(tmp_path).line(finding).startswith("    grads = tape.gradient(")


def test_raw_lines_of_a_notebook_count_python_lines(tmp_path):
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": ["x = 1  # a \u2028 in a comment\n", "y = 2\n"],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(notebook, indent=1, ensure_ascii=False)
    (tmp_path / "n.ipynb").write_bytes(raw.encode())
    lines = raw.split("\n")
    number = next(i for i, line in enumerate(lines, start=1) if '"y = 2' in line)
    assert SourceLines(tmp_path).raw_line("n.ipynb", number) == lines[number - 1]


def test_cell_result_counts_a_lone_carriage_return_as_a_line_break():
    from gradlint.analyzer.notebooks import is_cell_result
    from gradlint.analyzer.sources import CellSpan

    text = "a = 1\n# note\rb = 2\n"
    unit = SourceUnit("n.ipynb", text, kind="notebook", cells=[CellSpan(0, 1, 3)])
    assert not is_cell_result(unit, 1, 1)  # ``b = 2`` comes after it in the cell
    assert is_cell_result(unit, 3, 3)
