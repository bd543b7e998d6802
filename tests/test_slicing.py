"""Sliced parsing changes what LibCST parses, never what gradlint reports."""

from __future__ import annotations

import random
import textwrap

import libcst as cst
import pytest
from mixed_tree import variations

from gradlint.analyzer.slicing import slice_source
from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.rules import RULE_MODULES

ALL = list(RULE_MODULES)
TOKENS = ("GradientTape",)


def kept(source: str) -> list[str]:
    """The non-blank lines that survive slicing (all of them when nothing is sliced)."""
    result = slice_source(source, TOKENS)
    text = source if result is None else result.text
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_unrelated_functions_are_dropped_and_lines_map_back() -> None:
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        def unrelated(x):
            return x + 1


        def step(model, opt, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        """
    )
    result = slice_source(source, TOKENS)
    assert result is not None
    original, sliced = source.splitlines(), result.text.splitlines()
    assert len(sliced) == len(result.line_map) < len(original)
    for line, after in zip(result.line_map, sliced, strict=True):
        assert after in ("", original[line - 1])
    assert "def unrelated(x):" not in result.text
    # the dropped function (and the blank lines around it) left one empty line
    assert sliced[:4] == ["import tensorflow as tf", "", "", ""]
    assert sliced[4] == "def step(model, opt, x):" == original[result.line_map[4] - 1]
    assert "    with tf.GradientTape() as tape:" in sliced
    assert result.kept_lines < result.total_lines


def test_helpers_called_by_kept_code_are_kept_transitively() -> None:
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        def inner(g):
            print(g)

        def outer(g):
            inner(g)

        def other():
            pass

        def step(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            grads = tape.gradient(loss, model.trainable_variables)
            outer(grads)
        """
    )
    lines = kept(source)
    assert "def outer(g):" in lines and "def inner(g):" in lines
    assert "def other():" not in lines


def test_methods_are_sliced_one_by_one() -> None:
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        class Trainer:
            \"\"\"Trains.\"\"\"

            def __init__(self):
                self.w = tf.Variable(1.0)

            def unrelated(self):
                return 42

            def helper(self, grads):
                return grads

            def step(self, x):
                with tf.GradientTape() as tape:
                    loss = self.w * x
                grads = tape.gradient(loss, [self.w])
                return self.helper(grads)
        """
    )
    lines = kept(source)
    assert "def unrelated(self):" not in lines
    assert "def helper(self, grads):" in lines  # self.helper() is looked into
    assert "def __init__(self):" in lines  # binds self.w, which the step differentiates
    assert '"""Trains."""' in lines


def test_scripts_are_not_sliced() -> None:
    source = (
        "import tensorflow as tf\n\ndef f():\n    pass\n\nwith tf.GradientTape() as t:\n    y = 1\n"
    )
    assert slice_source(source, TOKENS) is None


def test_loop_calling_the_step_from_another_function_is_kept() -> None:
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        def train_step(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            return tape.gradient(loss, model.trainable_variables)

        def main(model, data):
            for x in data:
                train_step(model, x)

        def unrelated(data):
            return len(data)
        """
    )
    lines = kept(source)
    assert "def main(model, data):" in lines
    assert "def unrelated(data):" not in lines


def test_tape_class_imported_under_another_name_inside_a_function() -> None:
    source = textwrap.dedent(
        """\
        def setup():
            from tensorflow import GradientTape as Recorder
            return Recorder

        def unrelated():
            return 1

        def step(model, x):
            with Recorder() as tape:
                loss = model(x)
            return tape.gradient(loss, model.trainable_variables)
        """
    )
    lines = kept(source)
    assert "def step(model, x):" in lines
    assert "def unrelated():" not in lines


@pytest.mark.parametrize(
    "source",
    [
        "import tensorflow as tf\n\ndef f(:\n    tf.GradientTape()\n",
        "import tensorflow as tf\nx = (\n\ndef g():\n    with tf.GradientTape() as t:\n        pass\n",
        "def f():\n\tif f:\n        return 1\n\ndef g():\n    tf.GradientTape()\n",
    ],
)
def test_unparsable_files_get_the_same_error_as_without_slicing(source: str) -> None:
    unit = SourceUnit(path="bad.py", text=source)
    assert slice_source(source, TOKENS) is None
    sliced = analyze_unit(unit, ALL, slicing=True)
    assert sliced == analyze_unit(unit, ALL, slicing=False)
    assert [f.code for f in sliced] == ["GL000"]


def _without_blank_lines(code: str) -> str:
    return "".join(line for line in code.splitlines(keepends=True) if line.strip())


def _statement_codes(module: cst.Module) -> set[str]:
    """Each top-level statement and each member of a class, with the comments LibCST
    attaches to it (blank lines left out: slicing turns dropped code into an empty line)."""
    codes = set()
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            # A class is sliced member by member: compare its members, its own comments.
            leading = [line.comment.value for line in stmt.leading_lines if line.comment]
            footer = [line.comment.value for line in stmt.body.footer if line.comment]
            codes.add(f"class {stmt.name.value}: {leading} {footer}")
            for member in stmt.body.body:
                codes.add(_without_blank_lines(module.code_for_node(member)))
        else:
            codes.add(_without_blank_lines(module.code_for_node(stmt)))
    return codes


def _random_program(rng: random.Random) -> str:
    """Statements, methods and comments at random indentations between them."""
    counter = iter(range(10_000))

    def gap() -> str:
        lines = []
        for _ in range(rng.randint(0, 3)):
            kind = rng.random()
            if kind < 0.2:
                lines.append("\n")
            elif kind < 0.3:
                lines.append(" " * rng.randint(1, 6) + "\n")
            else:
                lines.append(" " * rng.choice([0, 2, 4, 5, 8, 12]) + f"# c{next(counter)}\n")
        return "".join(lines)

    def member() -> str:
        kind = rng.random()
        if kind < 0.3:
            return "    def m(self):\n        with tf.GradientTape() as t:\n            y = 1\n"
        if kind < 0.6:
            return f"    def m{next(counter)}(self):\n        x = 1\n        if x:\n            y = 2\n"
        if kind < 0.8:
            return "    def one(self): pass\n"
        return "    x = 1\n"

    def statement() -> str:
        kind = rng.random()
        if kind < 0.4:
            return "class C:\n" + "".join(member() + gap() for _ in range(rng.randint(1, 4)))
        if kind < 0.55:
            return "def f():\n    with tf.GradientTape() as t:\n        pass\n"
        if kind < 0.7:
            return f"def g{next(counter)}():\n    x = 1\n    if x:\n        pass\n    else:\n        y = 2\n"
        if kind < 0.8:
            return "def h(): pass\n"
        return "y = 1\n"

    return (
        "import tensorflow as tf\n"
        + gap()
        + "".join(statement() + gap() for _ in range(rng.randint(2, 6)))
    )


def test_kept_statements_keep_exactly_their_comments() -> None:
    """LibCST attaches each comment to a statement; slicing must not move one."""
    rng = random.Random(20240607)
    checked = 0
    for _ in range(400):
        source = _random_program(rng)
        try:
            full = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue
        result = slice_source(source, TOKENS)
        if result is None:
            continue
        sliced = cst.parse_module(result.text)
        assert _statement_codes(sliced) - {""} <= _statement_codes(full), source
        assert sliced.default_indent == full.default_indent
        checked += 1
    assert checked > 100


def test_findings_are_identical_with_and_without_slicing() -> None:
    sliced_files = 0
    for name, source in variations().items():
        unit = SourceUnit(path=f"{name}.py", text=source)
        assert analyze_unit(unit, ALL, slicing=True) == analyze_unit(unit, ALL, slicing=False), name
        sliced_files += slice_source(source, TOKENS) is not None
    assert sliced_files > 50


IMPORT_SPELLINGS = textwrap.dedent(
    """\
    import os.path
    import numpy as np, tensorflow
    from tensorflow import keras as K
    from . import sibling
    from .pkg import thing
    from tensorflow.compat import *


    def late():
        import tensorflow.compat.v1 as np  # a later import of a name replaces the earlier
        from os import path as os


    class Model:
        def call(self):
            def inner():
                pass
    """
)


def test_import_facts_from_ast_are_what_libcst_records() -> None:
    import ast

    from gradlint.analyzer.names import ImportMap
    from gradlint.analyzer.slicing import import_facts

    compared = 0
    for name, source in {"spellings": IMPORT_SPELLINGS, **variations()}.items():
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue  # the GL000 examples
        expected = ImportMap(module)
        facts = import_facts(ast.parse(source))
        assert facts.aliases == expected.aliases, name
        assert facts.local_definitions == expected.local_definitions, name
        compared += 1
    assert compared > 600


#: A training step that applies its gradients, appended to the sources below.
APPLIED_STEP = """

def step(model, opt, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
"""


def test_a_function_is_not_kept_for_an_import_it_holds() -> None:
    """Imports are module-wide facts the slice carries; the function around one can go."""
    source = (
        textwrap.dedent(
            """\
        import numpy as np


        def uses_tf_locally():
            import tensorflow as tf
            return tf.zeros(3)
        """
        )
        + APPLIED_STEP
    )
    assert "import tensorflow as tf" not in kept(source)
    unit = SourceUnit(path="local_import.py", text=source)
    assert analyze_unit(unit, ALL, slicing=True) == analyze_unit(unit, ALL, slicing=False)


def test_a_docstring_example_does_not_keep_its_function() -> None:
    source = (
        textwrap.dedent(
            '''\
        import tensorflow as tf


        def documented(x):
            """Example:

            with tf.GradientTape() as tape:
                y = f(x)
            """
            return x
        '''
        )
        + APPLIED_STEP
    )
    assert "def documented(x):" not in kept(source)
    assert "def step(model, opt, x):" in kept(source)


def test_identifiers_that_python_normalizes_are_not_sliced_differently() -> None:
    """``ast`` reads ``ｔf`` as ``tf`` (NFKC), LibCST keeps it as written: the slice must not
    resolve names differently from the whole file."""
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "frozen_loop.py"
    source = example.read_text().replace("tf.", "ｔf.").replace("as tf", "as ｔf")
    unit = SourceUnit(path="nfkc.py", text=source)
    whole = analyze_unit(unit, ALL, slicing=False)
    assert [f.code for f in whole] == ["GL001", "GL002"]
    assert analyze_unit(unit, ALL, slicing=True) == whole


def test_positions_and_fixes_after_dropped_code_are_the_file_s_own() -> None:
    """Dropped runs shrink to one line each; every finding and fix still points into the file."""
    unrelated = "".join(f"def unrelated_{i}(x):\n    return x + {i}\n\n\n" for i in range(30))
    source = (
        "import tensorflow as tf\n\n\n"
        + unrelated
        + textwrap.dedent(
            """\
            class Trainer:
                def unrelated(self):
                    return [
                        1,
                        2,
                    ]

                def step(self, model, optimizer, x):
                    with tf.GradientTape() as tape:
                        loss = model(x)
                    grads = tape.gradient(loss, model.trainable_variables)
                    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
                    return loss
            """
        )
    )
    result = slice_source(source, TOKENS)
    assert result is not None and len(result.line_map) < len(source.splitlines()) - 100
    unit = SourceUnit(path="trainer.py", text=source)
    sliced = analyze_unit(unit, ALL, slicing=True)
    assert sliced == analyze_unit(unit, ALL, slicing=False)
    lines = source.splitlines()
    by_code = {f.code: f for f in sliced}
    assert lines[by_code["GL002"].line - 1].strip().startswith("# optimizer.apply_gradients")
    assert "tape.gradient" in lines[by_code["GL001"].line - 1]
    assert by_code["GL002"].fix is not None


def test_a_rule_that_needs_dropped_methods_gets_the_whole_file() -> None:
    """Methods that only name an optimizer are dropped; GL001's intent check, which reads
    them, then has the file analyzed whole, with the same findings."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        class Trainer:
            def __init__(self, model):
                self.model = model

            def compile(self, optimizer):
                self.opt = optimizer

            def step(self, x):
                with tf.GradientTape() as tape:
                    loss = self.model(x)
                grads = tape.gradient(loss, self.model.trainable_variables)
                return loss
        """
    )
    result = slice_source(source, TOKENS)
    assert result is not None
    assert "self.opt = optimizer" not in result.text
    assert result.optimizer_classes == {"Trainer"}
    unit = SourceUnit(path="trainer.py", text=source)
    findings = analyze_unit(unit, ALL, slicing=True)
    assert findings == analyze_unit(unit, ALL, slicing=False)
    (finding,) = findings
    assert finding.code == "GL001" and "self.opt" in finding.message


def _analyses(monkeypatch) -> list[bool | None]:
    """The ``slicing`` argument of every analysis of a file (a second one: the whole file)."""
    from gradlint import engine

    seen: list[bool | None] = []
    original = engine._analyze_unit

    def counting(unit, codes, slicing, model=None):
        seen.append(slicing)
        return original(unit, codes, slicing, model)

    monkeypatch.setattr(engine, "_analyze_unit", counting)
    return seen


def test_an_apply_gradients_override_keeps_what_its_flow_follows(monkeypatch) -> None:
    """GL001 follows an optimizer's ``apply_gradients`` override into the methods it calls
    and into what ``self._optimizer`` is, wherever it is assigned (whatever the value): the
    slicer keeps those members and drops the rest, and the file is analyzed once, not first
    as a slice that then asks for the whole file (TensorFlow's optimizers)."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        def unrelated():
            return 1

        class ClippingOptimizer(tf.keras.optimizers.Optimizer):
            def __init__(self, optimizer):
                self._optimizer = optimizer

            def get_config(self):
                return {}

            def apply_gradients(self, grads_and_vars):
                return self._optimizer.minimize(1.0)

        def step(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            return tape.gradient(loss, model.trainable_variables)
        """
    )
    result = slice_source(source, ("GradientTape", "def apply_gradients("))
    assert result is not None
    assert "def unrelated():" not in result.text
    assert "self._optimizer = optimizer" in result.text
    assert "def get_config(self):" not in result.text
    assert result.optimizer_classes == set()
    unit = SourceUnit(path="optimizers.py", text=source)
    seen = _analyses(monkeypatch)
    findings = analyze_unit(unit, ALL, slicing=True)
    assert seen == [True]
    assert findings == analyze_unit(unit, ALL, slicing=False)
    (finding,) = findings
    assert finding.code == "GL001" and "grads_and_vars" in finding.message


_OVERRIDE_TEMPLATE = """\
import tensorflow as tf
{imports}

class Wrapper({base}):
    def __init__(self, inner):
        self._inner = inner

    def describe(self):
        return "wraps " + str(self._options)

    def apply_gradients(self, grads_and_vars):
        return self._inner.minimize(1.0)
"""


def test_an_apply_gradients_in_no_optimizer_class_is_not_parsed(monkeypatch) -> None:
    """``def apply_gradients(`` is read only in a class that may be an optimizer: when no
    other token is in code, a file whose only one belongs to another kind of class (a TPU
    embedding object) is not handed to LibCST at all, and nothing is lost."""
    from gradlint.analyzer import parsing

    source = _OVERRIDE_TEMPLATE.format(imports="", base="tf.Module")
    result = slice_source(source, ("def apply_gradients(",))
    assert result is not None and result.empty
    parsed: list[str] = []
    real = parsing.parse_unit
    monkeypatch.setattr(
        parsing, "parse_unit", lambda unit, **kw: parsed.append(unit.path) or real(unit, **kw)
    )
    unit = SourceUnit(path="embedding.py", text=source + "x = 1  # noqa: GL001\n")
    sliced = analyze_unit(unit, ALL, slicing=True)
    assert parsed == []
    assert sliced == analyze_unit(unit, ALL, slicing=False)
    assert [f.code for f in sliced] == ["GL100"]  # the noqa suppresses nothing


@pytest.mark.parametrize(
    "imports, base",
    [
        ("", "tf.keras.optimizers.Optimizer"),
        ("from mylib.optimizers import Base", "Base"),
        ("from .optimizers import base as b", "b.Base"),
        ("from keras import optimizers as o", "o.Base"),
    ],
)
def test_an_apply_gradients_in_what_may_be_an_optimizer_class_is_read(
    monkeypatch, imports: str, base: str
) -> None:
    """A class that is, or may be, an optimizer by its bases as imported: its override is
    analyzed, and a member dropped from the slice that names an optimizer-like attribute
    (``self._options``) sends the finding to the whole file first."""
    source = _OVERRIDE_TEMPLATE.format(imports=imports, base=base)
    result = slice_source(source, ("def apply_gradients(",))
    assert result is not None and not result.empty
    assert "def apply_gradients(self, grads_and_vars):" in result.text
    assert "self._inner = inner" in result.text
    assert "def describe(self):" not in result.text
    unit = SourceUnit(path="wrappers.py", text=source)
    seen = _analyses(monkeypatch)
    findings = analyze_unit(unit, ALL, slicing=True)
    assert findings == analyze_unit(unit, ALL, slicing=False)
    if base == "b.Base":  # a relative import: kept, though the analyzer cannot place it
        assert findings == []
        return
    assert seen[:2] == [True, False]  # the finding is stated from the whole class
    (finding,) = findings
    assert finding.code == "GL001" and "grads_and_vars" in finding.message


def test_an_apply_gradients_of_another_kind_of_class_keeps_only_what_it_calls(monkeypatch) -> None:
    """A TPU embedding object's ``apply_gradients`` is no optimizer's own update: its class
    is sliced like any other (here nothing of it is kept: none of it is called from kept
    code, and a 2,000-line class is not parsed), and the findings are the whole file's."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf

        class TPUEmbedding(tf.Module):
            def __init__(self, tables):
                self._tables = tables

            def describe(self):
                return str(self._tables)

            def apply_gradients(self, gradients):
                return self._apply(gradients)

            def _apply(self, gradients):
                return [t.assign_sub(g) for t, g in zip(self._tables, gradients)]

        def step(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            return tape.gradient(loss, model.trainable_variables)
        """
    )
    result = slice_source(source, ("GradientTape", "def apply_gradients("))
    assert result is not None
    assert "def describe(self):" not in result.text
    assert "def apply_gradients(self, gradients):" not in result.text
    unit = SourceUnit(path="embedding.py", text=source)
    seen = _analyses(monkeypatch)
    assert analyze_unit(unit, ALL, slicing=True) == analyze_unit(unit, ALL, slicing=False)
    assert seen[0] is True  # sliced first (the returned gradients then ask for the rest)


def test_a_comment_naming_a_function_in_dropped_code_is_no_caller(monkeypatch) -> None:
    """Callers of a function that returns gradients may lie in dropped code, and then the
    whole file is read; a dropped comment or docstring that names the function calls
    nothing (TensorFlow's ``optimizer.py``: ``# compute_gradients()->apply_gradients()``)."""
    template = textwrap.dedent(
        """\
        import tensorflow as tf

        def grads_of(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            return tape.gradient(loss, model.trainable_variables)

        def unrelated(data):
            {line}
            return data
        """
    )
    for line, whole in (
        ("# grads_of() must run first", False),
        ('"""See grads_of."""', False),
        ("grads_of(data, 1)", True),
    ):
        unit = SourceUnit(path="helpers.py", text=template.format(line=line))
        seen = _analyses(monkeypatch)
        findings = analyze_unit(unit, ALL, slicing=True)
        assert seen == ([True, False] if whole else [True]), line
        assert findings == analyze_unit(unit, ALL, slicing=False)


def test_module_imports_are_dropped_but_still_resolve_names() -> None:
    source = textwrap.dedent(
        """\
        \"\"\"A module.\"\"\"
        import os
        import numpy as np
        import tensorflow as tf
        from tensorflow import keras

        optimizer = keras.optimizers.Adam()


        def unrelated():
            return os.getcwd()


        def step(model, x):
            with tf.GradientTape() as tape:
                loss = model(x)
            grads = tape.gradient(loss, model.trainable_variables)
            return np.mean(loss)
        """
    )
    result = slice_source(source, TOKENS)
    assert result is not None
    assert "import tensorflow as tf" not in result.text and "import os" not in result.text
    assert result.import_facts.aliases["tf"] == "tensorflow"
    unit = SourceUnit(path="step.py", text=source)
    findings = analyze_unit(unit, ALL, slicing=True)
    assert [f.code for f in findings] == ["GL001"]  # tf.GradientTape still resolves
    assert findings == analyze_unit(unit, ALL, slicing=False)


def test_an_import_that_renames_the_tape_class_is_kept() -> None:
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        from tensorflow import GradientTape as Recorder

        optimizer = tf.keras.optimizers.Adam()


        def unrelated():
            return 1


        def step(model, x):
            with Recorder() as tape:
                loss = model(x)
            grads = tape.gradient(loss, model.trainable_variables)
            return loss
        """
    )
    unit = SourceUnit(path="step.py", text=source)
    findings = analyze_unit(unit, ALL, slicing=True)
    assert [f.code for f in findings] == ["GL001"]
    assert findings == analyze_unit(unit, ALL, slicing=False)


def test_pattern_matches_count_for_every_line_they_cover() -> None:
    import re

    from gradlint.analyzer.slicing import _split_lines, _Where

    text = "a = x.\\\n    opt\nb = 1\nc = y.opt\n"
    where = _Where(text, _split_lines(text))
    assert where.lines_matching(re.compile(r"\.\s*\\?\s*\w*opt")) == [1, 2, 4]
    assert where.lines_of([0, len("a = x.\\\n"), len(text) - 1]) == [1, 2, 4]


def test_trusted_parses_build_the_same_trees_and_restore_validation() -> None:
    from gradlint.analyzer.parsing import parse_unit

    original = cst.CSTNode.__dict__["__post_init__"]
    for name, source in list(variations().items())[:40]:
        unit = SourceUnit(path=f"{name}.py", text=source)
        trusted = parse_unit(unit, valid_python=True)
        checked = parse_unit(unit)
        assert isinstance(trusted, cst.Module) and isinstance(checked, cst.Module)
        assert trusted.deep_equals(checked) and trusted.code == source, name
        assert cst.CSTNode.__dict__["__post_init__"] is original
    broken = parse_unit(SourceUnit(path="x.py", text="def f(:\n"), valid_python=True)
    assert not isinstance(broken, cst.Module)
    assert cst.CSTNode.__dict__["__post_init__"] is original
    with pytest.raises(cst.CSTValidationError):  # validation is on again outside the parse
        cst.Name("not a name")


def test_validation_is_kept_when_libcst_does_more_than_validate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gradlint.analyzer import parsing

    calls: list[str] = []

    def post_init(self) -> None:
        calls.append(type(self).__name__)
        self._validate()

    monkeypatch.setattr(cst.CSTNode, "__post_init__", post_init)
    parsing.parse_unit(SourceUnit(path="x.py", text="x = 1\n"), valid_python=True)
    assert calls  # not replaced: this __post_init__ is more than the validation


# Found by a differential fuzzer (slicing on and off); each must give the same findings.
SAME_AS_WHOLE = {
    "import sharing a line with an optimizer": """\
pass
import tensorflow as tf; opt = tf.keras.optimizers.SGD(0.1)
optimizer = tf.keras.optimizers.Adam()
def step(*args):
    with tf.GradientTape() as tape:
        pass
    grads = tape.gradient(loss, model.trainable_variables)
""",
    "helper defined under a module-level try": """\
pass
def _print(g):
    pass
try:
    def report(g, *rest):
        _print(g)
except Exception:
    pass
d_optimizer = tf.keras.optimizers.Adam()
def setup():
    from tensorflow import GradientTape as Recorder
    with Recorder() as g_tape, Recorder() as d_tape:
        pass
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    report(zip(g_grads, g_vars))
""",
    "module-level loop using a tape alias imported in a function": """\
w = tf.Variable(tf.zeros([3, 1]))
b = tf.Variable(0.0)
def report(g, *rest):
    pass
def setup():
    from tensorflow import GradientTape as GT
for x, y in dataset:
    with GT() as tape:
        pass
    dw, db = tape.gradient(loss, [w, b])
    report(0.1 * dw)
""",
    "tabs and spaces that only LibCST rejects, in dropped code": """\
class Operators(test_util.TestCase):
  def check(self, op):
    with tf.GradientTape() as tape:
      pass
def _build_shape(shape, is_static):
  if is_static:
\t     pass
  return shape
""",
}


SAME_AS_WHOLE["an optimizer attribute continued after the dot"] = """\
import tensorflow as tf


class Trainer:
    def __init__(self, model):
        self.model = model

    def configure(self, o):
        self.\\
optimizer = o

    def run(self, x):
        with tf.GradientTape() as tape:
            loss = self.model(x)
        grads = tape.gradient(loss, self.model.trainable_variables)
        return loss
"""
SAME_AS_WHOLE["a ligature in a name, its normal form only in a docstring"] = '''\
"""Trains with fit_step."""
import tensorflow as tf


def \ufb01t_step(model, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    return loss


def main(model, data):
    for x in data:
        \ufb01t_step(model, x)
'''


# CPython accepts these, LibCST does not: in dropped code they must still make the file GL000.
SAME_AS_WHOLE["a parenthesized annotated name in dropped code"] = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()


def unrelated():
    (total): int = 0
    return total


def train_step(model, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
"""
SAME_AS_WHOLE["a line that is only a backslash in dropped code"] = SAME_AS_WHOLE[
    "a parenthesized annotated name in dropped code"
].replace("    (total): int = 0\n", "    if total:\n        \\\n        return 1\n")


SAME_AS_WHOLE["a parenthesized annotated attribute in dropped code"] = SAME_AS_WHOLE[
    "a parenthesized annotated name in dropped code"
].replace("(total): int = 0", "(self.total[0]): int = 0")
SAME_AS_WHOLE["a keyword before starred bases in dropped code"] = SAME_AS_WHOLE[
    "a parenthesized annotated name in dropped code"
].replace("def unrelated():\n    (total): int = 0\n", "class Odd(metaclass=M, *bases):\n    pass\n")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("name", sorted(SAME_AS_WHOLE))
def test_fuzzer_findings_are_the_same_as_without_slicing(name: str, newline: str) -> None:
    unit = SourceUnit(path="found.py", text=SAME_AS_WHOLE[name].replace("\n", newline))
    whole = analyze_unit(unit, ALL, slicing=False)
    # Each of these has a finding, but the tabs: CPython accepts that indentation, and
    # LibCST now reads it too (tabs as single spaces), so the file has nothing to report.
    assert whole or name.startswith("tabs and spaces")
    assert analyze_unit(unit, ALL, slicing=True) == whole


def test_lines_naming_finds_whole_words_as_a_pattern_would() -> None:
    """The slicer finds names with ``str.find`` (a look-behind pattern is slow on a large
    file); the lines must be exactly those a whole-word pattern matches."""
    import re

    from gradlint.analyzer.slicing import _split_lines, _Where

    text = "step(x)\nmy_step = 1\nstep_two()\n  é_step; stepé\nx.step\n(step)\ntrain_\ntrain\n"
    where = _Where(text, _split_lines(text))
    words = {"step", "train"}
    pattern = re.compile(r"(?<!\w)(?:step|train)(?!\w)")
    expected = sorted({text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)})
    assert where.lines_naming(words) == expected == [1, 5, 6, 8]
