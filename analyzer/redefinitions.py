"""Functions defined more than once at the top level (a notebook's later cell redefines a
helper): which definition a call sees.

A name is looked up when the call runs, so a function calling ``update_weights`` uses the
definition bound last before it runs, not the first one in the file; taking either one
blindly trusts a deleted update (or reports one that a later cell restored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.scopes import Scope


def top_level_definitions(module: cst.Module, name: str) -> list[tuple[int, cst.FunctionDef]]:
    """Top-level ``def name`` statements, with their position in the module's body."""
    return [
        (i, stmt)
        for i, stmt in enumerate(module.body)
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name
    ]


def sees_only(
    module: cst.Module,
    definitions: list[tuple[int, cst.FunctionDef]],
    caller: Scope,
    callee: Scope,
) -> bool:
    """Whether every run of the function ``caller`` calls the redefined ``callee``.

    A name in a function body is looked up when the function runs. The definition of
    ``callee`` is the last one before the top-level statement that holds ``caller``, and
    nothing from the next definition of the name on mentions that statement's name (no
    later cell calls the caller again): then every call of the caller ran before the name
    was bound anew. Otherwise it is unclear, and the call is not followed."""
    holder = _top_level_holder(caller)
    position = next((i for i, stmt in enumerate(module.body) if stmt is holder), None)
    if position is None or latest_definition(definitions, module, holder) is not callee.node:
        return False
    later = [where for where, _ in definitions if where > position]
    if not later:
        return True
    assert isinstance(holder, cst.FunctionDef | cst.ClassDef)
    names = {holder.name.value}
    return not any(_mentions(stmt, names, attributes=True) for stmt in module.body[min(later) :])


def _top_level_holder(caller: Scope) -> cst.CSTNode:
    """The top-level ``def`` or ``class`` statement that holds ``caller``."""
    top = caller
    while top.parent is not None and not top.parent.is_module:
        top = top.parent
    return top.class_node if top.class_node is not None else top.node


def latest_definition(
    definitions: list[tuple[int, cst.FunctionDef]], module: cst.Module, statement: cst.CSTNode
) -> cst.FunctionDef | None:
    """The definition that module-level ``statement`` sees: the last one before it."""
    position = next((i for i, stmt in enumerate(module.body) if stmt is statement), -1)
    return _latest_before(definitions, position)


def definition_at_runs(
    module: cst.Module, definitions: list[tuple[int, cst.FunctionDef]], caller: Scope
) -> cst.FunctionDef | None:
    """The definition every run of the function ``caller`` sees, from the module-level
    statements that can run it (they call it, or a function or class that leads to it):
    ``one_training_step`` defined before both ``update_weights`` cells, run by ``fit(...)``
    in a cell after the second, calls the second. None when the runs see different ones,
    or none runs it at all."""
    holder = _top_level_holder(caller)
    if not isinstance(holder, cst.FunctionDef | cst.ClassDef):
        return None
    names = {holder.name.value}
    definers = [s for s in module.body if isinstance(s, cst.FunctionDef | cst.ClassDef)]
    for _ in range(8):  # helpers of helpers: a few levels are enough
        grown = {
            s.name.value for s in definers if s.name.value not in names and _mentions(s, names)
        }
        if not grown:
            break
        names |= grown
    runs = [
        position
        for position, stmt in enumerate(module.body)
        if not isinstance(stmt, cst.FunctionDef | cst.ClassDef) and _mentions(stmt, names)
    ]
    seen = [_latest_before(definitions, position) for position in runs]
    if not seen or seen[0] is None or any(other is not seen[0] for other in seen):
        return None
    return seen[0]


def _latest_before(
    definitions: list[tuple[int, cst.FunctionDef]], position: int
) -> cst.FunctionDef | None:
    latest = None
    for where, node in definitions:
        if where < position:
            latest = node
    return latest


def _mentions(node: cst.CSTNode, names: set[str], attributes: bool = False) -> bool:
    """Whether ``node`` reads one of ``names``. Without ``attributes`` a name read as a
    name only: ``model.fit(...)`` is no mention of a function ``fit``."""
    finder = _AnyMention(names, attributes)
    finder.walk(node)
    return finder.found


class _AnyMention(FastVisitor):
    def __init__(self, names: set[str], attributes: bool) -> None:
        self.names = names
        self.attributes = attributes
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self.attributes:
            return True
        self.walk(node.value)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True
