"""The editor's statement reuse must give exactly the module a whole-file parse gives: the
rules read comments in block footers (GL002, GL102), blank lines and indentation, so any
difference in where LibCST puts a line would change findings."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from gradlint.analyzer.reparse import StatementReuse, cut_pieces
from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit, set_statement_reuse

REPO = Path(__file__).resolve().parent.parent

#: Where LibCST draws the line between two top-level statements, case by case.
BOUNDARIES = {
    "comment_in_block_footer": "def f():\n    x = 1\n    # c\n\n# d\ny = 2\n",
    "blank_then_indented_comment": "def f():\n    x = 1\n\n    # c\n\ny = 2\n",
    "comment_less_indented_than_block": "def f():\n    x = 1\n  # c\ny = 2\n",
    "less_indented_then_owned": "def f():\n    x = 1\n  # b\n    # c\ny = 2\n",
    "nested_block_footers": "def f():\n    if a:\n        x = 1\n    # b\n        # c\ny = 2\n",
    "whitespace_only_lines": "def f():\n    x = 1\n  \n    # c\n  # d\n\ny = 2\n",
    "one_line_suite_then_block": "x = 1\nif a: b\nelse:\n  c\n  # c\nd = 1\n",
    "block_then_one_line_suite": "if a:\n    b\n    # in if\nelse: c\n    # after\nd\n",
    "elif_chain": "if a:\n   b\nelif c:\n   d\n  # e\n# f\ng\n",
    "nested_if_in_else": "if a:\n  b\nelse:\n  if c:\n    d\n  # e\nf\n",
    "try_star": "try:\n  a\nexcept* E:\n    b\n    # c\nd\n",
    "try_finally": "try:\n  a\nexcept E:\n  b\nfinally:\n  c\n  # d\ne\n",
    "match": "match x:\n    case 1:\n      y\n    case _:\n        z\n        # a\n    # b\n  # c\nw\n",
    "match_first_indent": "match x:\n  case 1: y\n  # k\nq\n",
    "decorators_with_comments": "@d\n# c\n@e\ndef f(): pass\n\n\n# tail\n",
    "semicolons": "x = 1; y = 2\nz=3",
    "tabs": "class A: pass\ndef f():\n\tpass\n\t# t\nx\n",
    "tab_comment_under_spaces": "def f():\n    x = 1\n\t# weird\ny = 1\n",
    "first_block_two_spaces_later_four": "def f():\n  a\ndef g():\n    b\n",
    "header_and_shebang": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n'''doc'''\nimport os\n",
    "no_trailing_newline": "def f():\n    return 1",
    "trailing_comment_at_eof": "def f():\n    return 1\n    # last\n",
    "multiline_strings": 'x = """\n# not a comment\n"""\ndef f():\n    y = """\n  a\n"""\n    # c\n',
    "backslash_continuation": "x = 1 + \\\n    2\ndef f():\n    pass\n",
    "async_and_while_else": "async def f():\n    async with a:\n        pass\nwhile x:\n    pass\nelse:\n    y\n    # z\n",
}


def _reused(text: str) -> cst.Module | None:
    return StatementReuse().parse("test.py", text)


@pytest.mark.parametrize("text", BOUNDARIES.values(), ids=BOUNDARIES.keys())
def test_each_boundary_gives_the_whole_file_parse(text):
    rebuilt = _reused(text)
    full = cst.parse_module(text)
    if rebuilt is None:
        # Unclear boundaries are left to the whole-file parse; only these may be.
        assert text == BOUNDARIES["first_block_two_spaces_later_four"]
        return
    assert rebuilt.code == text
    assert rebuilt.deep_equals(full)
    assert rebuilt.default_indent == full.default_indent


def test_the_projects_own_files_rebuild_exactly():
    checked = 0
    for path in sorted(REPO.glob("*/**/*.py")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        rebuilt = _reused(text)
        if rebuilt is None:
            continue
        assert rebuilt.deep_equals(cst.parse_module(text)), path
        checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "x = 1\r\ny = 2\r\n", "x = 1\fy = 2\n", "def f(:\n    pass\n"],
    ids=["empty", "no_statement", "crlf", "form_feed", "syntax_error"],
)
def test_texts_without_clear_boundaries_are_left_to_the_whole_file_parse(text):
    assert _reused(text) is None


def test_a_piece_per_top_level_statement_and_the_pieces_make_the_text():
    text = BOUNDARIES["comment_in_block_footer"]
    pieces, indent = cut_pieces(text)
    assert pieces == ["def f():\n    x = 1\n    # c\n", "\n# d\ny = 2\n"]
    assert indent == "    "


def test_an_edit_reparses_only_the_statement_it_touched():
    reuse = StatementReuse()
    steps = "".join(f"def step_{i}(x):\n    return x + {i}\n\n\n" for i in range(20))
    first = reuse.parse("t.py", steps + "loop()\n")
    assert reuse.parsed == 21
    second = reuse.parse("t.py", steps.replace("x + 7", "x - 7") + "loop()\n")
    assert (reuse.parsed, reuse.reused) == (1, 20)
    # Untouched statements are the very same nodes, the edited one is new.
    assert second.body[0] is first.body[0]
    assert second.body[7] is not first.body[7]
    assert second.deep_equals(cst.parse_module(steps.replace("x + 7", "x - 7") + "loop()\n"))


def test_reuse_follows_a_change_of_the_default_indentation():
    reuse = StatementReuse()
    four = "def f():\n    a = 1\n\n\ndef g():\n    b = 2\n"
    reuse.parse("t.py", four)
    # Reindenting the first function changes the file's default indentation: the other
    # function's tree (parsed under the old default) must not be taken as it was.
    two = four.replace("    a = 1", "  a = 1")
    rebuilt = reuse.parse("t.py", two)
    assert rebuilt is None or rebuilt.deep_equals(cst.parse_module(two))
    if rebuilt is not None:
        assert rebuilt.code == two


FROZEN_THEN_FIXED = """import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)


def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for x, y in data:
    train_step(x, y)
"""


def test_findings_with_reuse_follow_each_edit(monkeypatch):
    """Edit by edit, the findings are those of a fresh analysis of the same text."""
    texts = [
        FROZEN_THEN_FIXED,
        FROZEN_THEN_FIXED.replace("    # optimizer.apply", "    optimizer.apply"),
        FROZEN_THEN_FIXED.replace("for x, y in data:", "for x, y in data:  # edited"),
        FROZEN_THEN_FIXED + "\n\n# a trailing comment\n",
    ]
    codes = ["GL001", "GL002", "GL003", "GL004"]
    expected = [
        [(f.code, f.line) for f in analyze_unit(SourceUnit("t.py", t), codes, project=False)]
        for t in texts
    ]
    set_statement_reuse(StatementReuse())
    try:
        seen = [
            [(f.code, f.line) for f in analyze_unit(SourceUnit("t.py", t), codes, project=False)]
            for t in texts
        ]
    finally:
        set_statement_reuse(None)
    assert seen == expected
    assert [codes for codes, _ in expected[0]] == ["GL001", "GL002"]
    assert expected[1] == []


def test_equal_statements_stay_distinct_nodes():
    """Node identity keys positions, scopes and bindings: a statement written twice (a
    notebook cell run twice) must be two nodes, before and after an edit."""
    reuse = StatementReuse()
    twice = "def step(x):\n    return x\n\n\ndef step(x):\n    return x\n\n\nrun()\n"
    first = reuse.parse("t.py", twice)
    assert first.body[0] is not first.body[1]
    second = reuse.parse("t.py", twice.replace("run()", "run(1)"))
    assert second.body[0] is not second.body[1]
    assert second.deep_equals(cst.parse_module(twice.replace("run()", "run(1)")))
