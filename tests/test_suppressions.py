"""``# noqa`` and ``# gradlint: skip-file`` through the real engine, flake8/ruff conventions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP_TEMPLATE as FROZEN

from gradlint.analyzer.notebooks import load_notebook
from gradlint.analyzer.suppressions import is_skip_file, noqa_codes
from gradlint.api import lint_source
from gradlint.engine import analyze_unit

MULTILINE = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.SGD()

def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient({first}
        loss,
        model.trainable_variables,{last}
    )
    return loss
"""


def codes_of(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_source(source, "t.py")]


def test_unsuppressed_baseline():
    assert codes_of(FROZEN.format(comment="")) == [("GL001", 8)]
    assert codes_of(MULTILINE.format(first="", last="")) == [("GL001", 8)]


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa",
        "  # NOQA",
        "  #noqa",
        "  # noqa: GL001",
        "  # noqa:GL001",
        "  # noqa: gl001",
        "  # noqa: E501, GL001",
        "  # noqa: E501 GL001",
        "  # noqa:  GL001",
        "  # noqa: GL001 -- frozen on purpose in this demo",
        "  # noqa: see the docstring",  # not a code list: a bare noqa, like flake8
        "  # type: ignore  # noqa",
    ],
)
def test_noqa_silences(comment):
    assert codes_of(FROZEN.format(comment=comment)) == []


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa: GL002",
        "  # noqa: E501",
        "  # noqa: GL0011",
        "  # noqanything",
        "  # no qa",
        "  # gradlint: noqa-ish",
    ],
)
def test_other_codes_or_non_noqa_comments_do_not_silence(comment):
    assert codes_of(FROZEN.format(comment=comment)) == [("GL001", 8)]


def test_noqa_on_another_line_does_not_silence():
    source = FROZEN.format(comment="").replace("return loss", "return loss  # noqa")
    assert codes_of(source) == [("GL001", 8)]


def test_multiline_finding_is_silenced_on_its_first_line_only():
    assert codes_of(MULTILINE.format(first="  # noqa: GL001", last="")) == []
    assert codes_of(MULTILINE.format(first="", last="  # noqa: GL001")) == [("GL001", 8)]


@pytest.mark.parametrize(
    "header",
    [
        "# gradlint: skip-file\n",
        "#gradlint:skip-file\n",
        "# GRADLINT: Skip-File\n",
    ],
)
def test_skip_file_anywhere(header):
    assert codes_of(header + FROZEN.format(comment="")) == []
    assert codes_of(FROZEN.format(comment="") + header) == []
    assert codes_of(FROZEN.format(comment="  " + header.strip())) == []


def test_skip_file_inside_a_string_is_not_a_directive():
    source = FROZEN.format(comment="") + 'NOTE = "# gradlint: skip-file"\n'
    assert codes_of(source) == [("GL001", 8)]


def test_skip_file_skips_even_unparsable_files():
    assert (
        lint_source("# gradlint: skip-file\ndef f(:\n  tf.GradientTape", "t.py", ["GL000", "GL001"])
        == []
    )


def test_skip_file_needs_the_exact_directive():
    assert not is_skip_file("# gradlint: skip-files\n")
    assert not is_skip_file("# gradlint skip-file\n")
    assert not is_skip_file("# flake8: noqa\n")
    assert is_skip_file("x = 1  # gradlint: skip-file because generated\n")


def test_noqa_codes_parser():
    assert noqa_codes("x  # noqa") == set()
    assert noqa_codes("x  # noqa: gl001,GL002") == {"GL001", "GL002"}
    assert noqa_codes("x  # nothing") is None
    assert noqa_codes("noqa in code, no comment") is None


NB_DIR = Path(__file__).parent / "fixtures" / "notebooks"


def notebook_with(line_suffix: str) -> list:
    path = NB_DIR / "frozen_step_function.ipynb"
    doc = json.loads(path.read_text())
    for cell in doc["cells"]:
        src = (
            cell["source"] if isinstance(cell["source"], list) else cell["source"].splitlines(True)
        )
        cell["source"] = [
            line.replace(
                "model.trainable_variables)\n", f"model.trainable_variables){line_suffix}\n"
            )
            if "tape.gradient(" in line
            else line
            for line in src
        ]
    unit = load_notebook(json.dumps(doc).encode(), "n.ipynb")
    return analyze_unit(unit, ["GL001"])


def test_noqa_in_a_notebook_cell():
    assert [f.code for f in notebook_with("")] == ["GL001"]
    assert notebook_with("  # noqa: GL001") == []
    assert [f.code for f in notebook_with("  # noqa: GL002")] == ["GL001"]
