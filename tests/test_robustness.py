"""The analyzer never crashes and never hangs, whatever it is fed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradlint.analyzer.sources import SourceUnit
from gradlint.api import lint_paths, lint_source
from gradlint.engine import analyze_file, analyze_unit
from gradlint.rules import RULE_MODULES

ALL = list(RULE_MODULES)

FROZEN_STEP = """\
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)
    return loss
"""


def codes_at(findings) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings]


def test_non_utf8_without_cookie_is_gl000_with_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"import tensorflow as tf\n# caf\xe9\nx = 1\n")
    (finding,) = analyze_file(path, "latin.py", ALL)
    assert finding.code == "GL000" and finding.line == 2
    assert finding.message.startswith("cannot decode as utf-8")


def test_coding_cookie_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "cookie.py"
    source = "# -*- coding: latin-1 -*-\nimport tensorflow as tf\n# café\n" + FROZEN_STEP
    path.write_bytes(source.encode("latin-1"))
    assert codes_at(analyze_file(path, "cookie.py", ALL)) == [("GL001", 7)]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfimport tensorflow as tf\n" + FROZEN_STEP.encode())
    assert codes_at(analyze_file(path, "bom.py", ALL)) == [("GL001", 5)]


def test_binary_file_is_gl000(tmp_path: Path) -> None:
    path = tmp_path / "blob.py"
    path.write_bytes(b"\x00\x01GradientTape\xff\xfe" * 100)
    (finding,) = analyze_file(path, "blob.py", ALL)
    assert finding.code == "GL000" and "NUL" in finding.message


@pytest.mark.parametrize("content", [b"", b"\n", b"   ", b"# just a comment about GradientTape\n"])
def test_empty_and_trivial_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.py"
    path.write_bytes(content)
    assert analyze_file(path, "empty.py", ALL) == []


def test_crlf_and_cr_newlines() -> None:
    source = ("import tensorflow as tf\n" + FROZEN_STEP).replace("\n", "\r\n")
    assert codes_at(lint_source(source)) == [("GL001", 5)]


def test_fifty_thousand_lines() -> None:
    filler = "".join(f"def helper_{i}(a, b):\n    return a + b * {i}\n\n" for i in range(16_700))
    source = "import tensorflow as tf\n" + filler + FROZEN_STEP
    assert source.count("\n") >= 50_000
    findings = lint_source(source)
    assert codes_at(findings) == [("GL001", source.count("\n") - 1)]


@pytest.mark.parametrize("depth", [500])
def test_expressions_nested_500_deep(depth: int) -> None:
    nested = "(" * depth + "x" + ")" * depth
    calls = "f(" * depth + "x" + ")" * depth
    lists = "[" * depth + "]" * depth
    source = f"import tensorflow as tf\ny = {nested}\nz = {calls}\nw = {lists}\n" + FROZEN_STEP
    findings = lint_source(source)
    # Either analyzed (GL001 found) or refused with a clear GL000, never an exception.
    assert codes_at(findings) in ([("GL001", 8)], [("GL000", 1)])


SYNTAX_BY_VERSION = {
    "3.8 walrus and positional-only": "def f(a, /, b):\n    if (n := a) > 0:\n        return n\n",
    "3.9 decorators and dict union": "@buttons[0].clicked.connect\ndef g():\n    return {1: 2} | {3: 4}\n",
    "3.10 match": "match cmd:\n    case [x, y, *rest]:\n        pass\n    case {'k': v}:\n        pass\n    case _:\n        pass\n",
    "3.10 parenthesized with": "with (open('a') as a,\n      open('b') as b):\n    pass\n",
    "3.11 except star": "try:\n    pass\nexcept* ValueError as eg:\n    pass\n",
    "3.12 type params and alias": "type Point = tuple[float, float]\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\nclass Box[T]:\n    pass\n",
    "3.12 f-string quotes": "name = 'x'\ns = f\"{'a' + f\"{name}\"}\"\n",
    "3.13 type param defaults": "def f[T = int](x: T) -> T:\n    return x\n",
}


@pytest.mark.parametrize("label", list(SYNTAX_BY_VERSION))
def test_modern_syntax_still_finds_the_bug(label: str) -> None:
    source = "import tensorflow as tf\n" + SYNTAX_BY_VERSION[label] + FROZEN_STEP
    findings = lint_source(source)
    expected_line = source.count("\n") - 1
    assert codes_at(findings) == [("GL001", expected_line)], findings


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "step.py").write_text("import tensorflow as tf\n" + FROZEN_STEP)
    os.symlink(tmp_path, tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "pkg" / "self_a.py", tmp_path / "pkg" / "self_b.py")
    os.symlink(tmp_path / "pkg" / "self_b.py", tmp_path / "pkg" / "self_a.py")
    result = lint_paths([str(tmp_path)])
    assert [(Path(f.path).name, f.code) for f in result.findings] == [("step.py", "GL001")]


def test_unreadable_file_is_gl000(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.py"
    path.write_text("import tensorflow as tf\n")
    from gradlint.analyzer import sources

    def deny(file, *args, **kwargs):
        if str(file).endswith("secret.py"):  # tests run as root: chmod would not stop it
            raise PermissionError(13, "Permission denied")
        return open(file, *args, **kwargs)

    monkeypatch.setattr(sources, "open", deny, raising=False)
    (finding,) = analyze_file(path, "secret.py", ALL)
    assert finding.code == "GL000" and finding.message == "cannot read: Permission denied"


def test_file_deleted_during_scan(tmp_path: Path) -> None:
    from gradlint.discovery import collect_files

    path = tmp_path / "gone.py"
    path.write_text("import tensorflow as tf\n")
    (file,) = collect_files([str(tmp_path)], [])
    path.unlink()
    (finding,) = analyze_file(file.fs_path, file.display_path, ALL)
    assert finding.code == "GL000" and "vanished" in finding.message


REAL_LOOKING = [
    "import tensorflow as tf\n" + FROZEN_STEP,
    """\
import tensorflow as tf

class GAN(tf.keras.Model):
    def train_step(self, data):
        with tf.GradientTape(persistent=True) as tape:
            fake = self.generator(data)
            d_loss = self.d_loss(self.discriminator(fake))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return {"d_loss": d_loss}
""",
    """\
from tensorflow import GradientTape as T
w = tf.Variable(1.0)
for i in range(3):
    with T() as t:
        y = w * w
    dw, = t.gradient(y, [w])
    w.assign_sub(0.1 * dw)
""",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(REAL_LOOKING),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert", "duplicate_line", "drop_line", "indent"]),
            st.integers(min_value=0, max_value=10_000),
            st.sampled_from(
                [
                    "(",
                    ")",
                    ":",
                    "\n",
                    " ",
                    "    ",
                    "#",
                    "'",
                    '"',
                    "\\",
                    "lambda",
                    "return",
                    "tape",
                    ".",
                    ",",
                    "=",
                    "yield",
                    "*",
                    "async ",
                    "\t",
                ]
            ),
        ),
        max_size=6,
    ),
)
def test_mutated_sources_never_crash(base: str, edits: list[tuple[str, int, str]]) -> None:
    text = base
    for op, position, token in edits:
        lines = text.split("\n")
        if op == "delete" and text:
            i = position % len(text)
            text = text[:i] + text[i + 1 :]
        elif op == "insert":
            i = position % (len(text) + 1)
            text = text[:i] + token + text[i:]
        elif op == "duplicate_line":
            i = position % len(lines)
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == "drop_line" and len(lines) > 1:
            del lines[position % len(lines)]
            text = "\n".join(lines)
        elif op == "indent":
            i = position % len(lines)
            lines[i] = "    " + lines[i]
            text = "\n".join(lines)
    findings = analyze_unit(SourceUnit(path="m.py", text=text), ALL)
    for finding in findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.code in RULE_MODULES
