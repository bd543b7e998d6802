"""The lexical outline: ``ast`` parses only the top-level statements a slice may keep, and the
slice (and the project index) are exactly what the whole file's ``ast`` gives."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from gradlint.analyzer import outline, python_ast, slicing
from gradlint.analyzer.code_mentions import code_mentions
from gradlint.analyzer.project import Project

TOKENS = ("GradientTape", "tape.gradient(", "def apply_gradients(")


def _filler(name: str, lines: int = 60) -> str:
    body = "".join(
        f"        value_{i} = self.helper_{i % 3}(value_{max(i - 1, 0)})\n" for i in range(lines)
    )
    return f"    def {name}(self):\n        value_0 = 0\n{body}        return value_0\n"


def _big_class(name: str, *members: str, base: str = "object") -> str:
    return f"class {name}({base}):\n" + "\n".join(members) + "\n"


def _cut(text: str) -> list[outline.Piece] | None:
    lines = slicing._split_lines(text)
    starts = slicing._Where(text, lines).starts
    return outline.cut(text, lines, starts, code_mentions(text, TOKENS))


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files and statements are parsed whole in use; here they exercise the outline."""
    monkeypatch.setattr(outline, "MIN_FILE_CHARS", 0)
    monkeypatch.setattr(outline, "OPAQUE_MIN_CHARS", 200)


STEP = textwrap.dedent(
    """\
    def train_step(model, optimizer, x, y):
        with tf.GradientTape() as tape:
            loss = model(x) - y
        grads = tape.gradient(loss, model.trainable_variables)
        return loss
    """
)

TRICKY = (
    '"""Module docstring\nclass NotAClass:\n    pass\n"""\n'
    "import tensorflow as tf\n"
    "TABLE = [\n1, 2,\n3]\n"
    "TEXT = '''\ndef not_a_function():\n    pass\n'''\n"
    "if tf:\n    FLAG = 1\nelse:\n    FLAG = 2\n"
    "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n"
    "@decorate(\n    option=1,\n)\n"
    + _big_class("Decorated", _filler("run"))
    + "\n\n"
    + STEP
    + "\nasync def fetch():\n"
    + "".join(f"    await step_{i}()\n" for i in range(40))
)


def test_statements_start_where_code_begins_a_line_outside_brackets_and_strings() -> None:
    pieces = _cut(TRICKY)
    assert pieces is not None
    lines = TRICKY.splitlines()
    heads = [lines[p.first - 1].split("(")[0].split(" ")[0] for p in pieces]
    assert heads == [
        '"""Module',
        "import",
        "TABLE",
        "TEXT",
        "if",
        "try:",
        "@decorate",
        "def",
        "async",
    ]
    decorated = pieces[6]
    assert decorated.opaque and decorated.kind == "class" and decorated.name == "Decorated"
    assert lines[decorated.last - 1].strip() == "return value_0"
    assert decorated.methods == ("run",) and decorated.body_indent == "    "
    assert not pieces[7].opaque  # it holds the tape
    assert pieces[8].opaque and pieces[8].name == "fetch" and pieces[8].kind == "def"


def test_an_opaque_statement_tells_its_names_imports_and_possible_assignments() -> None:
    member = (
        "    def build(self):\n"
        "        import numpy as np\n"
        "        try: from os import path as p\n"
        "        except ImportError: pass\n"
        "        from collections import (\n            OrderedDict,  # comment\n        )\n"
        "        self.weights, self.bias = np.zeros(2), 0\n"
        "        self.count += 1\n"
        "        class Inner:\n            pass\n"
        "        async def later():\n            pass\n"
        "        text = 'def hidden(): self.secret = 1'\n"
    )
    text = "import tensorflow as tf\n" + _big_class("Layer", member, _filler("call")) + STEP
    pieces = _cut(text)
    assert pieces is not None
    layer = next(p for p in pieces if p.name == "Layer")
    assert layer.opaque
    assert layer.defined == {"Layer", "build", "Inner", "later", "call"}
    assert {"weights", "bias", "count"} <= layer.may_assign
    assert "secret" not in layer.may_assign
    assert layer.methods == ("build", "call")
    placed = [(type(n).__name__, n.lineno, n.col_offset) for n in layer.imports]
    source_lines = text.splitlines()
    for _kind, line, column in placed:
        assert source_lines[line - 1][column:].startswith(("import", "from"))
    assert [kind for kind, _, _ in placed] == ["Import", "ImportFrom", "ImportFrom"]
    whole = ast.parse(text)
    nested = [
        n
        for n in ast.walk(whole)
        if isinstance(n, ast.Import | ast.ImportFrom) and n.lineno > 1 and n.lineno < 20
    ]
    nested.sort(key=lambda n: (n.lineno, n.col_offset))
    assert [(n.lineno, n.col_offset) for n in layer.imports] == [
        (n.lineno, n.col_offset) for n in nested
    ]
    expected = [ast.dump(n) for n in nested]
    assert [ast.dump(n) for n in layer.imports] == expected


def _slices(text: str, tokens: tuple[str, ...], monkeypatch: pytest.MonkeyPatch):
    outlined = slicing.slice_source(text, tokens)
    with monkeypatch.context() as patch:
        patch.setattr(outline, "ENABLED", False)
        whole = slicing.slice_source(text, tokens)
    return outlined, whole


HELPER_NEEDED = (
    "import tensorflow as tf\n"
    + _big_class(
        "Helpers", _filler("unrelated"), "    def apply(self, grads):\n        return grads\n"
    )
    + "\n\n"
    + _big_class(
        "Trainer",
        _filler("setup"),
        "    def step(self, x):\n"
        "        with tf.GradientTape() as tape:\n"
        "            loss = self.model(x)\n"
        "        grads = tape.gradient(loss, self.model.trainable_variables)\n"
        "        Helpers().apply(grads)\n"
        "        self.setup()\n",
    )
    + _big_class("Unused", _filler("other"))
    + "\n\ndef fit(trainer, data):\n    for x in data:\n        trainer.step(x)\n"
    + "\n\ndef looping(trainer, data):\n"
    + "".join(f"    value_{i} = {i}\n" for i in range(40))
    + "    while data:\n        step(data.pop())\n"
    + "\n\ndef mentions_only(trainer):\n"
    + "".join(f"    value_{i} = {i}\n" for i in range(40))
    + "    step = None\n    '''for step in steps: a loop in a string'''\n"
    + "\n\ndef in_else(data):\n"
    + "".join(f"    value_{i} = {i}\n" for i in range(40))
    + "    for x in data:\n        pass\n    else:\n        step(x)\n"
)


@pytest.mark.parametrize(
    "text",
    [TRICKY, HELPER_NEEDED, STEP * 3 + _big_class("Big", _filler("a"), _filler("b"))],
    ids=["tricky", "helper needed", "steps"],
)
@pytest.mark.parametrize("tokens", [TOKENS, ("GradientTape",), ("def apply_gradients(",)])
def test_the_slice_is_the_one_the_whole_files_ast_gives(
    text: str, tokens: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    outlined, whole = _slices(text, tokens, monkeypatch)
    assert outlined == whole


def test_an_opaque_statement_the_slice_needs_is_parsed_and_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[int] = []
    real = slicing._parse_needed

    def spy(text, items, needed):
        parsed.extend(unit.piece.first for unit in needed)
        return real(text, items, needed)

    monkeypatch.setattr(slicing, "_parse_needed", spy)
    outlined, whole = _slices(HELPER_NEEDED, TOKENS, monkeypatch)
    assert outlined == whole and outlined is not None
    lines = HELPER_NEEDED.splitlines()
    names = sorted(lines[first - 1].split("(")[0] for first in parsed)
    # The step names Helpers (a name it defines: parsed, then its members are dropped all
    # the same, as from the whole file); the loops of looping and in_else (for-else) may
    # call the step: parsed, and kept. mentions_only names the step outside any loop (in
    # a string): left unparsed, like Unused.
    assert names == ["class Helpers", "def in_else", "def looping"]
    assert "def setup(self)" in outlined.text
    assert "def looping" in outlined.text and "def in_else" in outlined.text
    assert "def other(self)" not in outlined.text and "def mentions_only" not in outlined.text


@pytest.mark.parametrize(
    ("text", "cls", "methods"),
    [(HELPER_NEEDED, "Unused", {"other"}), (TRICKY, "Decorated", {"run"})],
    ids=["classes", "decorated class"],
)
def test_the_project_index_from_the_outline_is_the_whole_files(
    text: str, cls: str, methods: set[str], tmp_path: Path
) -> None:
    path = tmp_path / "module.py"
    path.write_text(text)
    project = Project(tmp_path)
    python_ast.forget_outline(text)
    whole = project._build_index(path, text)
    assert slicing.slice_source(text, TOKENS) is not None
    assert python_ast.outline(text) is not None  # regression: a decorator hid the header
    outlined = project._build_index(path, text)
    assert outlined == whole
    assert outlined.classes[cls].methods == methods


def test_a_piece_that_does_not_parse_leaves_the_decision_to_the_whole_file() -> None:
    broken = STEP + "\n\ndef broken(:\n" + "".join(f"    value_{i} = {i}\n" for i in range(40))
    assert slicing.slice_source(broken + STEP, TOKENS) is None  # LibCST reports the error


def test_a_syntax_error_inside_an_opaque_statement_is_not_parsed_like_an_unread_file() -> None:
    """As a file no rule can read is not parsed, neither is a statement no rule can read
    (``--check-syntax`` compiles every file)."""
    broken = _big_class("Broken", _filler("run") + "        value = = 1\n") + "\n\n" + STEP
    sliced = slicing.slice_source("import tensorflow as tf\n" + broken, TOKENS)
    assert sliced is not None and "class Broken" not in sliced.text


def test_every_rule_example_has_the_same_findings_with_every_statement_it_can_leave_opaque(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rules' valid and invalid examples, with the outline leaving every ``def`` and
    ``class`` it can unparsed (thresholds at zero), against the outline off."""
    from gradlint import engine
    from gradlint.rules import RULE_MODULES

    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "rules" / "examples").rglob("*.py"))
    assert len(files) > 100
    codes = list(RULE_MODULES)

    def findings() -> list[str]:
        found = []
        for path in files:
            for f in engine.analyze_file(path, str(path), codes):
                found.append(f"{path.name}:{f.line}:{f.column} {f.code} {f.message}")
        return found

    monkeypatch.setattr(outline, "OPAQUE_MIN_CHARS", 0)
    with_outline = findings()
    monkeypatch.setattr(outline, "ENABLED", False)
    assert findings() == with_outline
