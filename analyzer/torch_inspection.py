"""Backward calls that run before any optimizer exists (autograd demos in scripts and notebooks).

A tutorial notebook computes a loss, calls ``loss.backward()`` and prints ``w.grad`` to show
what autograd does; cells later it builds an optimizer and trains, with a ``zero_grad()``
before each step. That first backward's ``.grad`` is indeed never stepped, but it was never
meant to be: no optimizer existed when it ran. A frozen loop looks different: its optimizer
is built before the backward that should feed it. So a backward at the top level of a module
(a script, or the cells of a notebook in order) counts as a training step only when some
top-level statement up to the one that holds it mentions an optimizer (builds one, names
one, or calls code that takes one); the same check in a function would be wrong (its
optimizer may come from anywhere), so functions are left to the usual intent rule.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.scopes import body_statements

if TYPE_CHECKING:
    from gradlint.analyzer.steps import BackwardSite, StepIndex

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def runs_before_any_optimizer(index: StepIndex, site: BackwardSite) -> bool:
    """Whether ``site`` is a top-level backward with no optimizer mentioned up to it."""
    if not site.scope.is_module:
        return False
    module = index.ctx.module
    pattern = index.vocabulary.optimizer_name
    where = index.facts.layout(site.scope).calls.get(site.call)
    if where is None:
        return False
    body = body_statements(module)
    # the top-level statement that holds the call: the outermost block, ``with`` or itself
    around = {id(node) for node, _ in where.chain} | {id(node) for node in where.withs}
    around.add(id(where.statement))
    top = next((i for i, stmt in enumerate(body) if _ids(stmt) & around), None)
    if top is None:
        return False
    for stmt in body[: top + 1]:
        text = module.code_for_node(stmt)
        if any(pattern.search(name) for name in _IDENTIFIER.findall(text)):
            return False
    return True


def _ids(stmt: cst.BaseStatement) -> set[int]:
    """The statement, and for a simple statement line its small statements (the layout
    records those)."""
    found = {id(stmt)}
    if isinstance(stmt, cst.SimpleStatementLine):
        found |= {id(small) for small in stmt.body}
    return found
