"""Reading notebooks: cell joining, IPython syntax, position maps and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_notebooks_support import (
    code,
    colab_bytes,
    jupyter_bytes,
    md,
    minified_bytes,
    notebook,
    raw_cell,
)

from gradlint.analyzer.notebooks import is_cell_result, load_notebook, python_lines
from gradlint.analyzer.sources import SourceError, SourceUnit


def load(raw: bytes) -> SourceUnit:
    unit = load_notebook(raw, "nb.ipynb")
    assert isinstance(unit, SourceUnit), unit
    assert unit.kind == "notebook"
    return unit


def load_error(raw: bytes) -> SourceError:
    error = load_notebook(raw, "nb.ipynb")
    assert isinstance(error, SourceError), error
    assert error.path == "nb.ipynb"
    assert "\n" not in error.message
    return error


def neutral(source: str) -> list[str]:
    """The cell's Python lines; checks they parse and keep the cell's line count."""
    lines = python_lines(source)
    if lines:
        assert len(lines) == len(source.rstrip("\n").split("\n"))
        cst.parse_module("\n".join(lines) + "\n")
        compile("\n".join(lines) + "\n", "<cell>", "exec")
    return lines


# -- joining cells ----------------------------------------------------------------------------


def test_code_cells_join_in_stored_order_and_other_cells_are_ignored():
    nb = notebook(
        md("# Title\nimport nothing"),
        code("import tensorflow as tf\nx = 1"),
        raw_cell("this is raw"),
        code("y = x + 1\n"),
        md("text"),
        code("print(y)"),
    )
    unit = load(jupyter_bytes(nb))
    assert unit.text == "import tensorflow as tf\nx = 1\ny = x + 1\nprint(y)\n"
    assert [(s.cell, s.first_line, s.line_count) for s in unit.cells] == [
        (2, 1, 2),
        (4, 3, 1),
        (6, 4, 1),
    ]


def test_locate_gives_cell_line_within_cell_and_raw_file_line():
    nb = notebook(md("intro"), code("a = 1\nb = 2\nc = 3"), md("more"), code("d = 4\ne = 5"))
    raw = jupyter_bytes(nb)
    unit = load(raw)
    raw_lines = raw.decode().split("\n")
    expected = {1: (2, 1, "a = 1"), 3: (2, 3, "c = 3"), 4: (4, 1, "d = 4"), 5: (4, 2, "e = 5")}
    for text_line, (cell, line, snippet) in expected.items():
        got_cell, got_line, file_line = unit.locate(text_line)
        assert (got_cell, got_line) == (cell, line)
        assert snippet in raw_lines[file_line - 1]


@pytest.mark.parametrize("to_bytes", [jupyter_bytes, colab_bytes], ids=["jupyter", "colab"])
def test_file_lines_point_at_each_source_line(to_bytes):
    source = "x = 'caf\u00e9'\n\nfor i in range(3):\n    print(i)  # \u2013 dash"
    raw = to_bytes(notebook(md("m"), code(source)))
    unit = load(raw)
    raw_lines = raw.decode().split("\n")
    (span,) = unit.cells
    for index, line in enumerate(source.split("\n")):
        assert (
            json.dumps(line, ensure_ascii=to_bytes is colab_bytes)[1:-1]
            in raw_lines[span.file_lines[index] - 1]
        )


def test_string_source_maps_every_line_to_the_line_of_the_string():
    raw = jupyter_bytes(notebook(code("a = 1\nb = 2\n", as_string=True)))
    unit = load(raw)
    source_line = next(i for i, t in enumerate(raw.decode().split("\n"), 1) if "a = 1" in t)
    assert unit.cells[0].file_lines == (source_line, source_line)
    assert unit.text == "a = 1\nb = 2\n"


def test_minified_notebook_maps_to_line_one():
    unit = load(minified_bytes(notebook(code("a = 1\nb = 2"), code("c = 3"))))
    assert [s.file_lines for s in unit.cells] == [(1, 1), (1,)]
    assert unit.locate(3) == (2, 1, 1)


def test_list_elements_that_are_not_one_per_line_still_map():
    # A writer may split the source anywhere; a line lives where its first character is.
    nb = notebook(code("x"))
    nb["cells"][0]["source"] = ["a = (1,", " 2)\nb = 3\nc", " = 4\n", "", "d = 5"]
    raw = jupyter_bytes(nb)
    unit = load(raw)
    assert unit.text == "a = (1, 2)\nb = 3\nc = 4\nd = 5\n"
    lines = raw.decode().split("\n")
    file_lines = unit.cells[0].file_lines
    assert '"a = (1,"' in lines[file_lines[0] - 1]
    assert file_lines[1] == file_lines[0] + 1  # "b = 3" starts inside the second element
    assert file_lines[2] == file_lines[0] + 1
    assert '"d = 5"' in lines[file_lines[3] - 1]


def test_crlf_file_and_crlf_sources():
    nb = notebook(code("a = 1\r\nb = 2\r\n"), code("c = 3\rd = 4"))
    raw = jupyter_bytes(nb).replace(b"\n", b"\r\n")
    unit = load(raw)
    assert unit.text == "a = 1\nb = 2\nc = 3\nd = 4\n"
    assert unit.locate(4)[:2] == (2, 2)
    assert unit.cells[0].file_lines[1] == unit.cells[0].file_lines[0] + 1


def test_utf8_bom_is_accepted():
    unit = load(b"\xef\xbb\xbf" + jupyter_bytes(notebook(code("a = 1"))))
    assert unit.text == "a = 1\n"


def test_empty_and_blank_code_cells_take_no_lines():
    unit = load(jupyter_bytes(notebook(code(""), code("  \n\n"), code("a = 1"))))
    assert unit.text == "a = 1\n"
    assert [s.cell for s in unit.cells] == [3]


def test_keys_in_any_order_and_duplicate_source_keys_follow_json_loads():
    text = (
        '{"nbformat": 4, "metadata": {}, "cells": [{"source": "ignored = 1",\n'
        '"cell_type": "code", "source": ["kept = 2\\n",\n "more = 3"]}], "nbformat_minor": 2}'
    )
    unit = load(text.encode())
    assert unit.text == "kept = 2\nmore = 3\n"
    assert unit.cells[0].file_lines == (2, 3)


# -- IPython syntax -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%matplotlib inline", "pass"),
        ("%pip install -q tensorflow", "pass"),
        ("!pip install tensorflow-datasets", "pass"),
        ("!!ls", "pass"),
        ("files = !ls *.csv", "files = None"),
        ("a, b = %sx echo hi", "a, b = None"),
        ("result = %timeit -o sum(range(10))", "result = None"),
        ("obj?", "pass"),
        ("obj.method??", "pass"),
        ("tf.GradientTape?  ", "pass"),
        ("?obj", "pass"),
        ("??obj", "pass"),
        ("/print 1", "pass"),
        ("%%time", "pass"),  # a cell magic that is not on the first line is a line magic
    ],
)
def test_ipython_lines_become_statements_in_place(line, expected):
    lines = neutral(f"x = 1\n{line}\ny = 2")
    assert lines == ["x = 1", expected, "y = 2"]


def test_magics_in_indented_blocks_keep_their_indentation():
    source = (
        "try:\n"
        "    import google.colab\n"
        "    %tensorflow_version 2.x\n"
        "    !pip install -q tfds-nightly\n"
        "except ImportError:\n"
        "    pass\n"
        "for i in range(2):\n"
        "    %time f(i)\n"
        "    x?\n"
        "    y = !echo {i}\n"
    )
    lines = neutral(source)
    assert lines[2] == "    pass"
    assert lines[3] == "    pass"
    assert lines[7:] == ["    pass", "    pass", "    y = None"]


def test_no_replacement_introduces_a_comment():
    # GL002 reads commented-out code; a magic must never turn into text that looks like it.
    source = "%time optimizer.apply_gradients(zip(grads, vars))\n!echo 'apply_gradients'\nq?"
    assert all("#" not in line and "apply" not in line for line in neutral(source))


def test_shell_command_continued_with_backslash_is_blanked():
    source = "!saved_model_cli show --dir d \\\n    --tag_set serve \\\n    --all\nx = 1"
    assert neutral(source) == ["pass", "", "", "x = 1"]


def test_magic_characters_inside_strings_and_brackets_are_python():
    source = (
        'doc = """\n'
        "%matplotlib inline\n"
        "!rm -rf /\n"
        "what?\n"
        '"""\n'
        "print('loss: %.3f'\n"
        "      % loss, x != y)\n"
        "s = 'why?'  # really?\n"
        "t = (1 +\n"
        "     2)\n"
        "u = 1 + \\\n"
        "    2\n"
        "ok = a if b else c\n"
    )
    lines = neutral(source)
    assert lines == source.rstrip("\n").split("\n")


def test_percent_formatting_on_a_continuation_line_is_kept():
    source = 'print("epoch %d" \n      %(epoch))\ntemplate = ("a %s"\n%(b))'
    assert neutral(source) == source.split("\n")


@pytest.mark.parametrize(
    "magic",
    [
        "%%time",
        "%%timeit -n 1",
        "%%capture captured --no-stderr",
        "%%prun",
        "%%backend tensorflow",  # Deep Learning with Python's per-backend cells
    ],
)
def test_python_cell_magics_keep_their_body(magic):
    lines = neutral(f"{magic}\nx = 1\nfor i in range(2):\n    x += i\n")
    assert lines == ["", "x = 1", "for i in range(2):", "    x += i"]


def test_cell_magic_after_blank_lines_is_still_the_cell_magic():
    assert neutral("\n%%time\nx = 1") == ["", "", "x = 1"]
    assert neutral("\n\n%%bash\necho hi") == []


@pytest.mark.parametrize(
    "magic",
    [
        "%%bash",
        "%%sh",
        "%%writefile train.py",
        "%%html",
        "%%javascript",
        "%%js",
        "%%latex",
        "%%markdown",
        "%%script perl",
        "%%sql",
        "%%cython",
        "%%python2",
        "%%bash --bg",
        "%%svg",
        "%%some_unknown_extension",
    ],
)
def test_non_python_cell_magics_skip_the_cell(magic):
    nb = notebook(
        code("a = 1"), code(f"{magic}\necho $((1 + 2)) {{\n  nonsense(((\n"), code("b = 2")
    )
    unit = load(jupyter_bytes(nb))
    assert unit.text == "a = 1\nb = 2\n"
    assert [s.cell for s in unit.cells] == [1, 3]


def test_whole_notebook_with_magics_parses_and_positions_do_not_shift():
    nb = notebook(
        code("%matplotlib inline\nimport math"),
        code("%%writefile helper.py\ndef broken(:\n"),
        code("%%time\n!nvidia-smi\nvalue = math.sqrt(16)\nfiles = !ls\nmath.sqrt?"),
        code("print(value)"),
    )
    unit = load(jupyter_bytes(nb))
    module = cst.parse_module(unit.text)
    assert module.code == unit.text
    text_lines = unit.text.split("\n")
    value_line = text_lines.index("value = math.sqrt(16)") + 1
    assert unit.locate(value_line)[:2] == (3, 3)
    assert unit.locate(text_lines.index("print(value)") + 1)[:2] == (4, 1)


def test_the_joined_text_runs_as_a_script():
    # The runtime confirmer runs `load_notebook(...).text`; magics must be harmless no-ops.
    nb = notebook(
        code("%load_ext autoreload\n!pip install nothing\nimport math"),
        code("%%bash\nexit 1"),
        code("%%capture out\ntotal = 0\nfor i in range(4):\n    %time total += i\n    i?"),
        code("listing = !ls\nresult = (total, listing)"),
    )
    namespace: dict = {}
    exec(compile(load(jupyter_bytes(nb)).text, "nb.ipynb", "exec"), namespace)
    assert namespace["result"] == (0, None)  # `%time total += i` is skipped, not run


def test_notebook_of_another_language_has_no_python():
    metadata = {
        "kernelspec": {"name": "ir", "language": "R", "display_name": "R"},
        "language_info": {"name": "R"},
    }
    unit = load(jupyter_bytes(notebook(code("x <- c(1, 2)\nprint(x)"), metadata=metadata)))
    assert unit.text == ""
    assert unit.cells == []


def test_python_language_info_is_python():
    metadata = {"language_info": {"name": "python", "version": "3.12"}}
    assert load(jupyter_bytes(notebook(code("x = 1"), metadata=metadata))).text == "x = 1\n"


# -- bad input ---------------------------------------------------------------------------------


def test_invalid_json_names_the_line():
    raw = b'{\n "cells": [\n  {"cell_type": "code", "source": ["x"]\n ],\n "nbformat": 4\n}\n'
    error = load_error(raw)
    assert error.message.startswith("invalid JSON:")
    assert error.line == 4
    assert "(line 4, column" in error.message


def test_truncated_notebook_is_invalid_json():
    raw = jupyter_bytes(notebook(code("x = 1")))
    assert load_error(raw[: len(raw) // 2]).message.startswith("invalid JSON:")


def test_empty_file():
    assert "empty" in load_error(b"").message
    assert "empty" in load_error(b"  \n").message


def test_binary_garbage():
    assert load_error(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe").message


@pytest.mark.parametrize("version", [3, 2, 1])
def test_nbformat_older_than_4(version):
    nb = {
        "metadata": {},
        "nbformat": version,
        "nbformat_minor": 0,
        "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1"}]}],
    }
    error = load_error(json.dumps(nb).encode())
    assert f"nbformat {version} is not supported" in error.message


def test_nbformat_that_is_not_a_number():
    nb = notebook(code("x = 1"))
    nb["nbformat"] = "4"
    assert "'nbformat' is a string" in load_error(jupyter_bytes(nb)).message


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (42, "not a number"),
        (None, "not null"),
        ({"text": "x"}, "not an object"),
        (["x = 1\n", 2], "found a number in the list"),
        ([["x"]], "found a list in the list"),
    ],
)
def test_cell_source_that_is_neither_string_nor_list_of_strings(source, reason):
    nb = notebook(md("m"), code("a = 1"), code("b = 2"))
    nb["cells"][2]["source"] = source
    raw = jupyter_bytes(nb)
    error = load_error(raw)
    assert error.message.startswith("cell 3: 'source' must be a string or a list of strings")
    assert reason in error.message
    assert '"source"' in raw.decode().split("\n")[error.line - 1]


def test_markdown_cell_with_a_bad_source_is_also_reported():
    nb = notebook(md("m"), code("a = 1"))
    nb["cells"][0]["source"] = 7
    assert load_error(jupyter_bytes(nb)).message.startswith("cell 1:")


def test_missing_cells():
    error = load_error(b'{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    assert error.message == "not a notebook: no 'cells' list"


def test_cells_that_is_not_a_list():
    assert "'cells' is an object" in load_error(b'{"cells": {}, "nbformat": 4}').message


@pytest.mark.parametrize("top", [b"[]", b'"text"', b"42", b"null"])
def test_top_level_that_is_not_an_object(top):
    assert load_error(top).message.startswith("not a notebook: the JSON top level is")


def test_cell_that_is_not_an_object():
    assert "a cell must be an object" in load_error(b'{"cells": [1], "nbformat": 4}').message


def test_code_cell_without_source():
    raw = b'{"cells": [{"cell_type": "code", "metadata": {}}], "nbformat": 4}'
    assert load_error(raw).message == "cell 1: no 'source'"


def test_deeply_nested_json_is_an_error_not_a_crash():
    raw = b'{"cells": [], "metadata": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    result = load_notebook(raw, "nb.ipynb")
    assert isinstance(result, SourceError)


def test_no_code_cells_is_an_empty_program():
    unit = load(jupyter_bytes(notebook(md("# only prose"), raw_cell("raw"))))
    assert unit.text == "" and unit.cells == []
    assert load(b'{"cells": [], "nbformat": 4, "nbformat_minor": 0}').text == ""


def test_huge_outputs_are_not_read_into_the_program():
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": "iVBOR" * 200_000, "text/plain": ["tape.gradient(x)"]},
        }
    ]
    unit = load(jupyter_bytes(notebook(code("x = 1", outputs=outputs), code("y = 2"))))
    assert unit.text == "x = 1\ny = 2\n"
    assert re.search("gradient", unit.text) is None


# -- notebook semantics for rules ---------------------------------------------------------------


def test_is_cell_result_marks_the_last_statement_of_a_cell():
    nb = notebook(
        code("x = 1\ntape.gradient(z, [x])\n\n# shown\n"),
        code("grads = (\n    tape.gradient(z, [x]))\ngrads"),
        code("tape.gradient(z, [x])\n%time f()"),
    )
    unit = load(jupyter_bytes(nb))
    lines = unit.text.split("\n")
    first = lines.index("tape.gradient(z, [x])") + 1
    assert is_cell_result(unit, first, first)
    assert not is_cell_result(unit, 1, 1)  # `x = 1` is followed by more code
    grads = lines.index("grads = (") + 1
    assert not is_cell_result(unit, grads, grads + 1)
    assert is_cell_result(unit, grads + 2, grads + 2)
    # A magic after the expression is the cell's last statement: nothing is displayed.
    last_cell = [s for s in unit.cells if s.cell == 3][0].first_line
    assert not is_cell_result(unit, last_cell, last_cell)
    assert not is_cell_result(unit, first, grads)  # spans two cells
    script = SourceUnit(path="a.py", text="tape.gradient(z, [x])\n")
    assert not is_cell_result(script, 1, 1)


def test_cell_magic_arguments_continued_with_backslash():
    assert neutral("%%capture out \\\n    --no-stderr\nx = 1") == ["", "", "x = 1"]


# -- robustness -------------------------------------------------------------------------------

FIXTURE = (
    Path(__file__).parent / "fixtures" / "notebooks" / "frozen_three_cells.ipynb"
).read_bytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(FIXTURE) - 1), st.binary(max_size=3)), max_size=4))
def test_mutated_notebooks_never_raise(mutations):
    raw = bytearray(FIXTURE)
    for position, replacement in mutations:
        raw[position : position + 1] = replacement
    result = load_notebook(bytes(raw), "nb.ipynb")
    assert isinstance(result, (SourceUnit, SourceError))
    if isinstance(result, SourceUnit):
        for span in result.cells:
            assert len(span.file_lines) == span.line_count
            assert all(1 <= line <= raw.count(b"\n") + 1 for line in span.file_lines)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("%!?;,/ \t\n\\'\"#()[]{}=xa:")), max_size=60))
def test_python_lines_keeps_every_line_in_place(source):
    lines = python_lines(source)
    if lines:
        assert len(lines) == len(_split(source))
        for before, after in zip(_split(source), lines, strict=True):
            assert after == before or after.strip() in ("", "pass") or after.endswith(" = None")


def _split(source: str) -> list[str]:
    lines = re.split(r"\r\n|\r|\n", source)
    return lines[:-1] if lines[-1] == "" else lines


def test_cell_with_leading_indent_parses_like_ipython_and_keeps_columns():
    """Regression: IPython strips a cell's leading indent; gradlint reported GL000 instead."""
    from gradlint.engine import analyze_unit

    nb = notebook(
        code("import tensorflow as tf\noptimizer = tf.keras.optimizers.SGD()"),
        code(
            " params = {\n    'lr': 0.1,\n}\n for x, y in data:\n     with tf.GradientTape() as tape:\n"
            "         loss = model(x)\n     grads = tape.gradient(loss, model.trainable_variables)"
        ),
    )
    unit = load_notebook(jupyter_bytes(nb), "nb.ipynb")
    findings = analyze_unit(unit, ["GL000", "GL001"])
    assert [(f.code, f.cell, f.line, f.column) for f in findings] == [("GL001", 2, 7, 14)]


# -- one broken cell (issue #14, cause 8) -----------------------------------------------------

_STEP = (
    "optimizer = tf.keras.optimizers.SGD()\n"
    "for x, y in data:\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = model(x)\n"
    "    grads = tape.gradient(loss, model.trainable_variables)\n"
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
)


def test_one_unparsable_cell_is_gl000_at_that_cell_and_the_others_are_analyzed():
    """Regression: prose pasted into one code cell made the whole notebook GL000, while
    Jupyter runs every other cell."""
    from gradlint.engine import analyze_unit

    nb = notebook(
        md("# notes"),
        code("import tensorflow as tf"),
        code("This cell holds prose pasted by mistake, not code."),
        code(_STEP),
    )
    unit = load_notebook(jupyter_bytes(nb), "nb.ipynb")
    assert isinstance(unit, SourceUnit)
    findings = analyze_unit(unit, ["GL000", "GL001", "GL002"])
    assert [(f.code, f.cell, f.line) for f in findings] == [
        ("GL000", 3, 1),
        ("GL001", 4, 5),
        ("GL002", 4, 6),
    ]
    assert "(cell 3, line 1)" in findings[0].message
    assert findings[0].file_line is not None


def test_a_broken_cell_keeps_later_cells_positions_and_gl002_fix_writes_the_right_cell():
    from gradlint.analyzer.notebooks import apply_cell_edits, to_cell_edit
    from gradlint.engine import analyze_unit

    nb = notebook(
        code("import tensorflow as tf\nx = (1,\n"),
        code(_STEP),
    )
    raw = jupyter_bytes(nb)
    unit = load_notebook(raw, "nb.ipynb")
    findings = analyze_unit(unit, ["GL000", "GL002"])
    assert [(f.code, f.cell, f.line) for f in findings] == [("GL000", 1, 2), ("GL002", 2, 6)]
    (gl002,) = [f for f in findings if f.code == "GL002"]
    assert gl002.fix is not None
    edits = [e for e in gl002.fix.edits]
    fixed = json.loads(apply_cell_edits(raw, edits))
    assert "".join(fixed["cells"][0]["source"]) == "import tensorflow as tf\nx = (1,\n"
    assert "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n" in "".join(
        fixed["cells"][1]["source"]
    )
    assert to_cell_edit is not None


def test_a_broken_cell_is_blank_in_the_joined_text_so_the_script_still_runs():
    nb = notebook(code("x = 1"), code("def broken(:\n    pass"), code("y = x"))
    unit = load(jupyter_bytes(nb))
    compile(unit.text, "nb", "exec")
    assert unit.text.splitlines() == ["x = 1", "", "", "y = x"]
    (error,) = unit.cell_errors
    assert (error.cell, error.line) == (2, 1)


def test_python_cell_magics_are_analyzed_and_other_cell_magics_skipped():
    from gradlint.engine import analyze_unit

    for magic, reported in (("%%time", True), ("%%capture out", True), ("%%bash", False)):
        nb = notebook(code("import tensorflow as tf"), code(f"{magic}\n{_STEP}"))
        findings = analyze_unit(load(jupyter_bytes(nb)), ["GL000", "GL001"])
        assert [(f.code, f.cell, f.line) for f in findings] == (
            [("GL001", 2, 6)] if reported else []
        ), magic


def test_top_level_await_in_a_cell_is_not_a_syntax_error():
    unit = load(jupyter_bytes(notebook(code("import asyncio\nawait asyncio.sleep(0)"))))
    assert unit.cell_errors == []


def test_cells_of_another_kernel_are_skipped_not_gl000():
    """Regression: a Colab notebook that switches to an R runtime for a few cells (TFP's
    Generalized_Linear_Models.ipynb) had one GL000 per R cell; they are not Python, and
    the notebook's Python cells are still analyzed. Cells whose metadata names another
    language (VS Code, polyglot notebooks) are skipped the same way."""
    from gradlint.engine import analyze_unit

    nb = notebook(
        code("import tensorflow as tf"),
        code("data_dir <- '/tmp/glm'\nx <- as.matrix(read.csv(paste(data_dir, '/x.csv')))"),
        code('fit <- glmnet(\nx = x,\nfamily = "binomial",\nstandardize = FALSE\n)'),
        code("write.csv(as.matrix(coef(fit, 0.008)), 'c.csv', row.names=FALSE)"),
        {**code("SELECT * FROM weights;"), "metadata": {"vscode": {"languageId": "sql"}}},
        {**code("x |> f()"), "metadata": {"polyglot_notebook": {"kernelName": "fsharp"}}},
        code(_STEP),
    )
    unit = load(jupyter_bytes(nb))
    assert unit.cell_errors == []
    findings = analyze_unit(unit, ["GL000", "GL001", "GL002"])
    assert [(f.code, f.cell) for f in findings] == [("GL001", 7), ("GL002", 7)]


def test_a_python_cell_with_a_syntax_error_is_still_gl000():
    # Trap for the R heuristic: broken Python that mentions FALSE-like words stays GL000.
    nb = notebook(
        code("if x > 1\n    print('x')"),
        code("def f(:\n    return None"),
        code('print("NA values: TRUE or FALSE", counts'),
    )
    unit = load(jupyter_bytes(nb))
    assert [e.cell for e in unit.cell_errors] == [1, 2, 3]
