"""Name resolution just deep enough to recognise TensorFlow under any import spelling.

Full ``QualifiedNameProvider`` metadata costs more than the parse itself, so this walks the
module's import statements once and resolves ``Name``/``Attribute`` chains against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from gradlint.analyzer.walk import FastVisitor

#: Module path segments that are spelling variants of the same API (tf.compat.v1.X == tf.X).
_TRANSPARENT_SEGMENTS = {"compat", "v1", "v2"}
TF_ROOTS = ("tensorflow",)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def target_elements(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    """What one assignment target binds: the elements of ``a, b = ...`` (one level), or the
    target itself."""
    if isinstance(target, cst.Tuple | cst.List):
        return [element.value for element in target.elements]
    return [target]


def _module_name(node: cst.BaseExpression) -> str:
    return dotted_name(node) or ""


def normalize_tf(qualified: str) -> str:
    """Drop ``compat.v1``/``compat.v2``: ``tensorflow.compat.v2.X`` is ``tensorflow.X``."""
    parts = qualified.split(".")
    if parts and parts[0] in TF_ROOTS:
        parts = [parts[0]] + [p for p in parts[1:] if p not in _TRANSPARENT_SEGMENTS]
    return ".".join(parts)


@dataclass(frozen=True)
class ImportFacts:
    """What an :class:`ImportMap` records, computed without LibCST."""

    aliases: dict[str, str]
    local_definitions: frozenset[str]


class ImportMap:
    """Local name -> fully qualified name, from every import in the module (any depth).

    Names the module itself defines (``class GradientTape: ...``, ``def tf(): ...``) shadow
    the conventional meaning, so they are recorded as local.
    """

    def __init__(self, module: cst.Module | None = None) -> None:
        self.aliases: dict[str, str] = {}
        self.local_definitions: set[str] = set()
        if module is not None:
            _ImportCollector(self).walk(module)

    @classmethod
    def from_facts(cls, facts: ImportFacts) -> ImportMap:
        """The map of a whole file whose statements were read by a cheaper parser (a sliced
        module does not hold every import, but its names resolve as in the whole file)."""
        result = cls()
        result.aliases = dict(facts.aliases)
        result.local_definitions = set(facts.local_definitions)
        return result

    def qualify(self, node: cst.BaseExpression) -> str | None:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.aliases:
            base = self.aliases[head]
            return normalize_tf(f"{base}.{rest}" if rest else base)
        if head in self.local_definitions:
            return None
        # Conventional aliases used without a visible import (snippets, star imports).
        if head == "tf":
            return normalize_tf(f"tensorflow.{rest}" if rest else "tensorflow")
        return dotted

    def is_tensorflow(self, node: cst.BaseExpression, *suffixes: str) -> bool:
        """Whether ``node`` names ``tensorflow.<...>.<suffix>`` for one of ``suffixes``."""
        qualified = self.qualify(node)
        if not qualified or not qualified.startswith("tensorflow"):
            return False
        return any(qualified == f"tensorflow.{s}" or qualified.endswith("." + s) for s in suffixes)

    def is_gradient_tape_class(self, node: cst.BaseExpression) -> bool:
        qualified = self.qualify(node)
        if not qualified:
            return False
        root = qualified.split(".", 1)[0]
        return (
            qualified.endswith("GradientTape")
            and root in TF_ROOTS
            and (qualified.rsplit(".", 1)[-1] == "GradientTape")
        )


class _ImportCollector(FastVisitor):
    def __init__(self, target: ImportMap) -> None:
        self.target = target

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        for small in node.body:
            if isinstance(small, cst.Import):
                self.visit_Import(small)
            elif isinstance(small, cst.ImportFrom):
                self.visit_ImportFrom(small)
        return False

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.target.aliases[alias.asname.name.value] = full
            else:
                head = full.split(".", 1)[0]
                self.target.aliases.setdefault(head, head)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _module_name(node.module)
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.target.aliases[local] = f"{base}.{name}"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.target.local_definitions.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.target.local_definitions.add(node.name.value)


def call_label(call: cst.Call) -> str | None:
    """How a call names a function of the module or a method of the class it is in:
    ``f(...)`` -> ``f``, ``self.m(...)`` -> ``self.m``; None for any other callee."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == "self"
    ):
        return f"self.{func.attr.value}"
    return None
