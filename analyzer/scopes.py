"""Scopes (the module and every function) and the statements that belong to each.

The dataflow is intraprocedural, so each function is analyzed on its own; a nested function
is its own scope whose closure over the parent's names is handled conservatively.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from gradlint.analyzer.walk import FastVisitor


@dataclass(eq=False)
class Scope:
    node: cst.Module | cst.FunctionDef
    parent: Scope | None = None
    #: The class whose body defines this function directly (a method), if any.
    class_node: cst.ClassDef | None = None

    @property
    def name(self) -> str:
        return self.node.name.value if isinstance(self.node, cst.FunctionDef) else "<module>"

    @property
    def is_module(self) -> bool:
        return isinstance(self.node, cst.Module)

    def body(self) -> list[cst.BaseStatement]:
        return body_statements(self.node)

    def params(self) -> list[str]:
        if not isinstance(self.node, cst.FunctionDef):
            return []
        p = self.node.params
        names = [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]
        for star in (p.star_arg, p.star_kwarg):
            if isinstance(star, cst.Param):
                names.append(star.name.value)
        return names

    def chain(self) -> Iterator[Scope]:
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


def body_statements(node: cst.CSTNode) -> list:
    """The statements directly inside a module, function, class or compound statement."""
    if isinstance(node, cst.Module):
        return list(node.body)
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock | cst.SimpleStatementSuite):
        return list(body.body)
    if isinstance(body, list | tuple):
        return list(body)
    return []


class _ScopeBuilder(FastVisitor):
    def __init__(self, root: Scope) -> None:
        self.stack = [root]
        self.class_stack: list[cst.ClassDef | None] = [None]
        self.all: list[Scope] = [root]

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # functions are never inside a simple statement (lambdas are not scopes)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # No list of children: a scope tree without cycles (and the syntax tree it holds)
        # is freed as soon as the file is done, instead of by the cycle collector.
        scope = Scope(node, parent=self.stack[-1], class_node=self.class_stack[-1])
        self.stack.append(scope)
        self.class_stack.append(None)
        self.all.append(scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.class_stack.pop()


def build_scopes(module: cst.Module) -> list[Scope]:
    """Every scope, the module first, in source order."""
    builder = _ScopeBuilder(Scope(module))
    builder.walk(module)
    return builder.all


class ShallowVisitor(FastVisitor):
    """Visits one scope's code without entering nested functions, classes or lambdas."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def walk_scope(scope: Scope, visitor: FastVisitor) -> None:
    """Run ``visitor`` over the scope's own statements (the function body, or module body)."""
    for stmt in scope.body():
        visitor.walk(stmt)
