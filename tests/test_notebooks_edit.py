"""``--fix`` on notebooks: only the edited cells' ``source`` changes, byte for byte."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_notebooks_support import code, colab_bytes, jupyter_bytes, md, minified_bytes, notebook

from gradlint.analyzer.findings import Edit
from gradlint.analyzer.notebooks import (
    NotebookEditError,
    apply_cell_edits,
    load_notebook,
    to_cell_edit,
)
from gradlint.analyzer.sources import SourceUnit

STEP = (
    "with tf.GradientTape() as tape:\n"
    "    loss = loss_fn(y, model(x))\n"
    "grads = tape.gradient(loss, model.trainable_variables)\n"
    "print(loss)"
)
APPLY = "optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"


def sample(**kwargs) -> dict:
    outputs = [{"name": "stdout", "output_type": "stream", "text": ["tf.Tensor(0.5)\n"]}]
    nb = notebook(
        md("# Training \u2014 caf\u00e9"),
        code("import tensorflow as tf\n%matplotlib inline", **kwargs),
        code(STEP, outputs=outputs, **kwargs),
        code("print('done')", **kwargs),
    )
    nb["cells"][2]["metadata"] = {"id": "step", "tags": ["train"]}
    return nb


def insert_apply(nb: dict) -> dict:
    """The notebook a correct fix produces: the update after the gradient line of cell 3."""
    expected = json.loads(json.dumps(nb))
    lines = STEP.splitlines(True)
    new = "".join(lines[:3]) + APPLY + "".join(lines[3:])
    old = expected["cells"][2]["source"]
    expected["cells"][2]["source"] = new if isinstance(old, str) else new.splitlines(True)
    return expected


INSERT = Edit(line=4, column=1, end_line=4, end_column=1, content=APPLY, cell=3)


def test_no_edits_returns_the_same_bytes():
    raw = jupyter_bytes(sample())
    assert apply_cell_edits(raw, []) is raw


def test_jupyter_layout_is_reproduced_exactly():
    nb = sample()
    out = apply_cell_edits(jupyter_bytes(nb), [INSERT])
    assert out == jupyter_bytes(insert_apply(nb))


def test_colab_layout_with_ascii_escapes_and_no_final_newline():
    nb = sample()
    raw = colab_bytes(nb)
    assert b"\\u2014" in raw
    out = apply_cell_edits(raw, [INSERT])
    assert out == colab_bytes(insert_apply(nb))


def test_minified_notebook_stays_minified():
    nb = sample()
    out = apply_cell_edits(minified_bytes(nb), [INSERT])
    assert out == minified_bytes(insert_apply(nb))


def test_string_sources_stay_strings():
    nb = sample(as_string=True)
    out = apply_cell_edits(jupyter_bytes(nb), [INSERT])
    assert out == jupyter_bytes(insert_apply(nb))
    assert isinstance(json.loads(out)["cells"][2]["source"], str)


def test_bytes_outside_the_edited_source_are_untouched():
    raw = jupyter_bytes(sample())
    out = apply_cell_edits(raw, [INSERT])
    text, new = raw.decode(), out.decode()
    start = text.index('"with tf.GradientTape()')
    end = text.index('"print(loss)"')
    assert new.startswith(text[:start])
    assert new.endswith(text[end:])
    assert new[start : len(new) - len(text) + end].count("\n") == text[start:end].count("\n") + 1


def test_crlf_file_keeps_crlf():
    nb = sample()
    raw = jupyter_bytes(nb).replace(b"\n", b"\r\n")
    out = apply_cell_edits(raw, [INSERT])
    assert out == jupyter_bytes(insert_apply(nb)).replace(b"\n", b"\r\n")


def test_hand_written_layout_keeps_everything_but_the_source():
    raw = (
        b'{"nbformat": 4, "nbformat_minor": 2,\n'
        b'    "metadata": {"z": 1, "a": 2},\n'
        b'    "cells": [\n'
        b'        {"source": ["x = 1\\n", "y = 2"],   "cell_type": "code",\n'
        b'         "outputs": [], "metadata": {}}\n'
        b"    ]\n"
        b"}"
    )
    out = apply_cell_edits(raw, [Edit(2, 5, 2, 6, "3", cell=1)])
    assert out == raw.replace(b'"y = 2"', b'"y = 3"')


def test_source_split_on_one_line_reuses_the_separator():
    raw = b'{"cells": [{"cell_type": "code", "source": ["a = 1\\n",  "b = 2"]}], "nbformat": 4}'
    out = apply_cell_edits(raw, [Edit(1, 5, 1, 6, "9", cell=1)])
    assert out == raw.replace(b'"a = 1\\n"', b'"a = 9\\n"')


def test_filling_an_empty_cell_follows_the_notebook_indentation():
    nb = notebook(code("import tensorflow as tf"), code(""))
    raw = jupyter_bytes(nb)
    assert b'"source": []' in raw
    out = apply_cell_edits(raw, [Edit(1, 1, 1, 1, "x = 1\ny = 2\n", cell=2)])
    nb["cells"][1]["source"] = ["x = 1\n", "y = 2\n"]
    assert out == jupyter_bytes(nb)


def test_emptying_a_cell():
    nb = sample()
    out = apply_cell_edits(jupyter_bytes(nb), [Edit(1, 1, 2, 1, "", cell=4)])
    assert out == jupyter_bytes(nb).replace(
        b'"source": [\n    "print(\'done\')"\n   ]', b'"source": []'
    )


def test_edits_in_several_cells_and_several_edits_in_one_cell():
    nb = sample()
    edits = [
        Edit(4, 7, 4, 11, "float(loss)", cell=3),
        Edit(1, 1, 1, 1, "# step\n", cell=3),
        Edit(1, 7, 1, 13, '"ok"', cell=4),
    ]
    out = json.loads(apply_cell_edits(jupyter_bytes(nb), edits))
    assert "".join(out["cells"][2]["source"]) == "# step\n" + STEP.replace(
        "print(loss)", "print(float(loss))"
    )
    assert out["cells"][3]["source"] == ['print("ok")']
    assert out["cells"][2]["outputs"] == nb["cells"][2]["outputs"]
    assert out["cells"][2]["metadata"] == {"id": "step", "tags": ["train"]}


def test_replacing_text_with_itself_changes_nothing():
    raw = jupyter_bytes(sample())
    assert apply_cell_edits(raw, [Edit(4, 1, 4, 6, "print", cell=3)]) == raw


def test_fixing_is_idempotent_and_the_result_reads_back():
    nb = sample()
    once = apply_cell_edits(jupyter_bytes(nb), [INSERT])
    unit = load_notebook(once, "nb.ipynb")
    assert isinstance(unit, SourceUnit)
    assert APPLY in unit.text
    # A second run has nothing left to change: no edits, or edits that rewrite equal text.
    assert apply_cell_edits(once, []) == once
    assert apply_cell_edits(once, [Edit(4, 1, 5, 1, APPLY, cell=3)]) == once


def test_crlf_inside_a_source_gets_crlf_in_inserted_text():
    nb = notebook(code("a = 1\r\nb = 2\r\n"))
    out = json.loads(apply_cell_edits(jupyter_bytes(nb), [Edit(2, 1, 2, 1, "c = 3\n", cell=1)]))
    assert "".join(out["cells"][0]["source"]) == "a = 1\r\nc = 3\r\nb = 2\r\n"


def test_utf8_bom_is_kept():
    raw = b"\xef\xbb\xbf" + jupyter_bytes(sample())
    out = apply_cell_edits(raw, [INSERT])
    assert out.startswith(b"\xef\xbb\xbf")
    assert out[3:] == jupyter_bytes(insert_apply(sample()))


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (Edit(1, 1, 1, 1, "x", cell=None), "cell None"),
        (Edit(1, 1, 1, 1, "x", cell=9), "cell 9, which the notebook does not have"),
        (Edit(1, 1, 1, 1, "x", cell=1), "not a code cell"),
        (Edit(9, 1, 9, 1, "x", cell=3), "line 9, column 1 of cell 3"),
        (Edit(1, 80, 1, 80, "x", cell=3), "past the end of line 1"),
        (Edit(2, 1, 1, 1, "x", cell=3), "ends before it starts"),
    ],
)
def test_edits_that_do_not_fit_raise(edit, problem):
    with pytest.raises(NotebookEditError, match=problem):
        apply_cell_edits(jupyter_bytes(sample()), [edit])


def test_overlapping_edits_raise():
    edits = [Edit(1, 1, 1, 10, "a", cell=3), Edit(1, 5, 1, 12, "b", cell=3)]
    with pytest.raises(NotebookEditError, match="overlap"):
        apply_cell_edits(jupyter_bytes(sample()), edits)


def test_a_broken_notebook_raises_instead_of_writing():
    with pytest.raises(NotebookEditError, match="invalid JSON"):
        apply_cell_edits(b'{"cells": [', [INSERT])


def test_to_cell_edit_maps_text_positions_into_the_cell():
    nb = sample()
    unit = load_notebook(jupyter_bytes(nb), "nb.ipynb")
    assert isinstance(unit, SourceUnit)
    print_line = unit.text.split("\n").index("print(loss)") + 1
    text_edit = Edit(print_line, 1, print_line, 1, APPLY)
    cell_edit = to_cell_edit(unit, text_edit)
    assert cell_edit == INSERT
    assert apply_cell_edits(jupyter_bytes(nb), [cell_edit]) == jupyter_bytes(insert_apply(nb))
    # Through the end of cell 3 (column 1 of the line after it) still belongs to cell 3.
    span = next(s for s in unit.cells if s.cell == 3)
    end = span.first_line + span.line_count
    assert to_cell_edit(unit, Edit(span.first_line, 1, end, 1, "")) == Edit(1, 1, 5, 1, "", 3)
    assert to_cell_edit(unit, Edit(span.first_line, 1, end, 2, "")) is None  # spans two cells
    assert to_cell_edit(unit, Edit(99, 1, 99, 1, "")) is None


_line = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_line, min_size=1, max_size=6),
    trailing_newline=st.booleans(),
    layout=st.sampled_from([jupyter_bytes, colab_bytes, minified_bytes]),
    as_string=st.booleans(),
    data=st.data(),
)
def test_any_edit_changes_exactly_the_expected_source(
    lines, trailing_newline, layout, as_string, data
):
    source = "\n".join(lines) + ("\n" if trailing_newline else "")
    nb = notebook(md("intro"), code("a = 1"), code(source, as_string=as_string), code("z = 0"))
    raw = layout(nb)
    line = data.draw(st.integers(1, len(lines)))
    column = data.draw(st.integers(1, len(lines[line - 1]) + 1))
    end_column = data.draw(st.integers(column, len(lines[line - 1]) + 1))
    content = data.draw(st.sampled_from(["", "x", "new line\n", "\u00e9\u4e2d\U0001f600", '"\\']))
    out = apply_cell_edits(raw, [Edit(line, column, line, end_column, content, cell=3)])

    starts = [0]
    for text_line in lines:
        starts.append(starts[-1] + len(text_line) + 1)
    begin, end = starts[line - 1] + column - 1, starts[line - 1] + end_column - 1
    new_source = source[:begin] + content + source[end:]
    expected = json.loads(json.dumps(nb))
    expected["cells"][2]["source"] = new_source if as_string else new_source.splitlines(True)
    assert json.loads(out) == expected
    if new_source == source:
        assert out == raw
    else:
        assert out == layout(expected)


def test_appending_after_the_last_line_of_a_cell_without_final_newline():
    # In the analyzed text every cell ends with a newline; the stored source need not.
    nb = sample()
    out = json.loads(apply_cell_edits(jupyter_bytes(nb), [Edit(2, 1, 2, 1, APPLY, cell=4)]))
    assert out["cells"][3]["source"] == ["print('done')\n", APPLY.rstrip("\n")]


def test_ascii_only_two_space_notebook_keeps_escaping_non_ascii():
    """Regression (found by hypothesis in CI): an ASCII-only Colab-style file gave raw UTF-8."""
    nb = notebook(md("intro"), code("a = 1"), code(""), code("z = 0"))
    raw = colab_bytes(nb)
    out = apply_cell_edits(raw, [Edit(1, 1, 1, 1, "\u00e9\u4e2d\U0001f600", cell=3)])
    assert out.isascii()
    expected = json.loads(raw)
    expected["cells"][2]["source"] = ["\u00e9\u4e2d\U0001f600"]
    assert out == colab_bytes(expected)
