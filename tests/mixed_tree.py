"""A tree of real-looking sources for the "same findings whatever the speed-ups" tests.

Built from the bundled examples and every rule's VALID/INVALID examples, each also
surrounded by unrelated functions, classes and comments (so slicing has work to do),
indented with tabs, and with Windows line endings.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

from gradlint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

_FILLER_FUNCTION = '''\
def {name}(values, scale=2):
    """Unrelated helper; mentions no tape."""
    total = 0
    for value in values:  # a loop that calls nothing of interest
        total += value * scale
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return total
'''

_FILLER_CLASS = '''\
class {name}:
    """Unrelated class."""

    limit = 3

    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)
            # an indented comment after a method

    def run(self):
        for item in self.items:
            print(item)
'''


def sources() -> dict[str, str]:
    """name -> source text of every example."""
    found = {f"bundled_{p.stem}": p.read_text() for p in sorted(EXAMPLES.glob("*.py"))}
    for rule in all_rules():
        for i, code in enumerate(rule.VALID):
            found[f"{rule.code.lower()}_valid_{i}"] = code
        for i, example in enumerate(rule.INVALID):
            found[f"{rule.code.lower()}_invalid_{i}"] = example.code
    return found


def pad(source: str, rng: random.Random) -> str:
    """The source with unrelated definitions before and after its own code."""
    lines = source.splitlines(keepends=True)
    # Keep the imports (and a module docstring) at the top, as real files do.
    head = _leading_lines(source, lines)
    before = "".join(
        _FILLER_FUNCTION.format(name=f"helper_{rng.randrange(1000)}") + "\n\n"
        for _ in range(rng.randint(1, 3))
    )
    after = "\n\n" + _FILLER_CLASS.format(name=f"Unrelated{rng.randrange(1000)}")
    body = "".join(lines[head:])
    if body and not body.endswith("\n"):
        body += "\n"
    return "".join(lines[:head]) + "\n\n" + before + body + after


def _leading_lines(source: str, lines: list[str]) -> int:
    """How many lines the module docstring and the first imports take."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        head = 0
        while head < len(lines) and lines[head].startswith(("import ", "from ", "#")):
            head += 1
        return head
    head = 0
    for stmt in tree.body:
        docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        if not (docstring or isinstance(stmt, ast.Import | ast.ImportFrom)):
            break
        head = stmt.end_lineno or stmt.lineno
    return head


def variations(rng: random.Random | None = None) -> dict[str, str]:
    rng = rng or random.Random(7)
    out: dict[str, str] = {}
    for name, source in sources().items():
        out[name] = source
        padded = pad(source, rng)
        out[f"{name}_padded"] = padded
        out[f"{name}_crlf"] = padded.replace("\n", "\r\n")
        if "\t" not in source and "'''" not in source and '"""' not in source:
            out[f"{name}_tabs"] = padded.replace("    ", "\t")
    return out


def write_tree(root: Path) -> list[Path]:
    """Writes every variation under ``root`` (in a few folders) plus files without a tape."""
    paths = []
    for i, (name, source) in enumerate(sorted(variations().items())):
        folder = root / f"pkg{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        path.write_bytes(source.encode())
        paths.append(path)
    plain = root / "plain"
    plain.mkdir(exist_ok=True)
    for i in range(5):
        path = plain / f"util{i}.py"
        path.write_text(_FILLER_FUNCTION.format(name=f"util{i}"))
        paths.append(path)
    broken = root / "plain" / "broken_tape.py"
    broken.write_text("import tensorflow as tf\n\ndef f(:\n    tf.GradientTape()\n")
    paths.append(broken)
    return paths
