"""Optimizer subclasses whose ``apply_gradients`` override never applies its gradients.

A training library often wraps its optimizer (weight decay, clipping, loss scaling) by
overriding the update: ``def apply_gradients(self, grads_and_vars, ...)`` transforms the pairs
and hands them to ``super().apply_gradients(...)``. When that hand-over is lost, every model
trained with the optimizer stays frozen, and no training step of the project shows it: the
step calls ``apply_gradients`` as it should. The override's gradients parameter is a gradient
value like any other, so the flow analysis starts with it tainted and asks whether it reaches
an update (the parent's, another optimizer's, ``assign_sub``), a return, storage or an unknown
call, exactly as for a ``tape.gradient`` result.

Only a method of a class that is an optimizer (a base class is an optimizer class, or the
class is named like one) counts, and only when the body reads the parameter: an abstract
``raise NotImplementedError`` or a ``pass`` is no update that went missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.dataflow import FlowAnalysis, SiteTable, Val
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.facts import Facts

#: The id the parameter's value carries through the flow analysis.
_PARAMETER = 4_000_000_000


@dataclass(frozen=True)
class UnappliedOverride:
    """An ``apply_gradients`` override whose gradients parameter reaches no update."""

    scope: Scope
    class_name: str
    parameter: str


def unapplied_overrides(ctx: ModuleContext, facts: Facts) -> list[UnappliedOverride]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.unapplied_overrides`."""
    method = facts.vocabulary.pair_update_method
    found = []
    for scope in facts.tapes.scopes:
        cls = scope.class_node
        if cls is None or scope.name != method or scope.parent is None:
            continue
        if scope.parent.node is not cls and not scope.parent.is_module:
            continue  # a function nested in a method
        params = scope.params()
        if len(params) < 2 or params[0] != "self" or not _is_optimizer_class(ctx, facts, cls):
            continue
        parameter = params[1]
        reads = _Reads(parameter)
        walk_scope(scope, reads)
        if not reads.found:
            continue
        ctx.require_whole_class(cls)
        seeds = {parameter: Val(frozenset({_PARAMETER}))}
        flow = FlowAnalysis(ctx, scope, SiteTable(), facts.helpers, seeds=seeds).run()
        if _PARAMETER not in flow.used:
            found.append(UnappliedOverride(scope, cls.name.value, parameter))
    return found


def _is_optimizer_class(ctx: ModuleContext, facts: Facts, cls: cst.ClassDef) -> bool:
    vocabulary = facts.vocabulary
    if vocabulary.optimizer_name.search(cls.name.value):
        return True
    for base in cls.bases:
        name = dotted_name(base.value)
        if name is None:
            continue
        if facts.module.is_optimizer_construction(cst.Call(func=base.value)):
            return True
        if name.rsplit(".", 1)[-1].endswith("Optimizer"):
            return True
    return False


class _Reads(ShallowVisitor):
    """Whether the body reads ``name`` (an assignment to it is no read)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not isinstance(node.target, cst.Name)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found = True
