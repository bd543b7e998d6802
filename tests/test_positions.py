"""Positions computed per top-level statement equal LibCST's PositionProvider for every node."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from gradlint.analyzer.positions import LazyPositions

ROOT = Path(__file__).resolve().parent.parent

EDGE_CASES = {
    "empty": "",
    "only_comments": "# one\n\n# two\n",
    "no_trailing_newline": "import tensorflow as tf\nx = tf.constant(1)",
    "crlf": "import os\r\n\r\ndef f(a,\r\n      b):\r\n    return a  # c\r\n\r\nf(1, 2)\r\n",
    "cr_only": "import os\r\rdef f():\r    return 1\r\r# tail\r",
    "mixed_breaks": "a = 1\r\nb = '''x\ry'''\nc = 2\r",
    "header_and_footer": "#!/usr/bin/env python\n# header\n\nx = 1\n\n    # footer indented\n# end\n",
    "decorators": "@a\n\n# between\n@b(\n  1)\ndef f(): pass\n\nclass C:\n    @property\n    def p(self): return 1\n",
    "semicolons_and_suites": "a = 1; b = 2\nif a: b = 3\nelse: pass\nwhile 0: pass\n",
    "continuations": "x = 1 + \\\n    2\nwith open('f') as h, \\\n     open('g') as g:\n    pass\n",
    "form_feed_and_tabs": "\x0c\ndef f():\n\tif 1:\n\t\treturn 2\n\x0c\nclass D: pass\n",
    "multiline_strings": 'doc = """a\n\nb"""\nf"{doc!r:>{10}}"\nz = (\n  "a"\n  "b")\n',
    "unicode": "s = 'héllo wörld 😀'\ndef ü(ä): return ä  # ß\n",
    "nested_blocks": (
        "def outer():\n    def inner():\n        try:\n            pass\n"
        "        except E as e:\n            raise\n        finally:\n"
        "            # done\n            pass\n    return inner\n"
    ),
}


def _sources() -> list[tuple[str, str]]:
    files = sorted(
        [*(ROOT / "examples").glob("*.py"), *(ROOT / "rules" / "examples").rglob("*.py")]
    )
    files += sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    files += [ROOT / "analyzer" / "dataflow.py", ROOT / "gradlint" / "server" / "protocol.py"]
    sources = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in files]
    return sources + sorted(EDGE_CASES.items())


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    nodes: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nodes.append(node)
            return True

    module.visit(Collect())
    return nodes


@pytest.mark.parametrize("read_ast", [False, True], ids=["counted", "from-ast"])
@pytest.mark.parametrize(("name", "text"), _sources(), ids=[name for name, _ in _sources()])
def test_every_node_has_libcst_position_in_any_order_of_questions(name, text, read_ast):
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("not valid Python (an invalid-syntax fixture)")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = _all_nodes(module)
    assert nodes
    for order in ("forward", "backward", "shuffled"):
        asked = list(nodes)
        if order == "backward":
            asked.reverse()
        elif order == "shuffled":
            random.Random(len(text)).shuffle(asked)
        positions = LazyPositions(module, text if read_ast else None)
        for node in asked:
            assert positions[node] == expected[node], (order, type(node).__name__)


def test_only_the_statement_asked_about_gets_positions():
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(50))
    module = cst.parse_module(text)
    target = module.body[30]
    positions = LazyPositions(module)
    assert positions[target].start.line == 91
    assert positions._computed == {30}
    assert module.body[10] not in positions._ranges


@pytest.mark.parametrize("read_ast", [False, True], ids=["counted", "from-ast"])
@pytest.mark.parametrize(("name", "text"), _sources(), ids=[name for name, _ in _sources()])
def test_where_top_level_statements_start_is_libcst_position(name, text, read_ast):
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("not valid Python (an invalid-syntax fixture)")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    openers = [node for stmt in module.body for node in (stmt, *getattr(stmt, "decorators", ()))]
    for asked in (openers, openers[::-1]):
        positions = LazyPositions(module, text if read_ast else None)
        for node in asked:
            assert positions.start(node) == expected[node].start, type(node).__name__


def test_with_the_text_no_statement_above_is_generated_to_find_where_one_starts():
    text = "".join(f"@tf.function\ndef f{i}(x):\n    # {i}\n    return x\n\n" for i in range(50))
    module = cst.parse_module(text)
    positions = LazyPositions(module, text)
    assert positions.start(module.body[40].decorators[0]).line == 201
    assert positions[module.body[30].body.body[0]].start.line == 154
    # Only the statement asked about and where the next one starts are known.
    assert set(positions._starts) == {0, 30, 31, 40}


def test_a_table_that_disagrees_with_the_code_falls_back_to_counting():
    text = "x = 1\n\ny = 2\n\n\ndef f():\n    return y\n# end\n"
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for wrong in ([1, 3, 7], [1, 4, 6], [2, 3, 6]):
        positions = LazyPositions(module, text)
        assert positions._statement_lines() == [1, 3, 6]
        positions._first_lines = wrong  # as if ast had counted one statement differently
        for node in _all_nodes(module)[::-1]:
            assert positions[node] == expected[node], wrong


def test_the_ast_table_joins_statements_on_one_line_and_refuses_a_lone_carriage_return():
    from gradlint.analyzer.positions import _first_token_lines

    assert _first_token_lines("a = 1; b = 2\nc = 3\n", 2) == [1, 2]
    assert _first_token_lines("@d\n\n@e\ndef f(): pass\n", 1) == [1]
    assert _first_token_lines("x = 1\r\ry = 2\r", 2) is None
    assert _first_token_lines("x = 1\ny = 2\n", 3) is None  # not the module's statements
    assert _first_token_lines("x = (\n", 1) is None  # ast cannot parse it
