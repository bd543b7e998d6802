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


@pytest.mark.parametrize(("name", "text"), _sources(), ids=[name for name, _ in _sources()])
def test_every_node_has_libcst_position_in_any_order_of_questions(name, text):
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
        positions = LazyPositions(module)
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


@pytest.mark.parametrize(("name", "text"), _sources(), ids=[name for name, _ in _sources()])
def test_where_top_level_statements_start_is_libcst_position(name, text):
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("not valid Python (an invalid-syntax fixture)")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    openers = [node for stmt in module.body for node in (stmt, *getattr(stmt, "decorators", ()))]
    for asked in (openers, openers[::-1]):
        positions = LazyPositions(module)
        for node in asked:
            assert positions.start(node) == expected[node].start, type(node).__name__
