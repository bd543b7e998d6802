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
class is named like one) counts, and not an abstract one: a body of only a docstring,
``pass``, ``...`` or a ``raise`` is no update that went missing. An override that does other
work but never reads its gradients parameter is the wrapper whose
``return super().apply_gradients(...)`` was lost (tensorflow/addons' ``Lookahead`` keeps only
``self._optimizer._iterations = self.iterations``): its gradients reach nothing. A test
double is the exception: an override that never reads its gradients in a ``Test*``, ``Mock*``,
``Fake*``, ``Dummy*`` or ``Stub*`` class or in a test file (``test_*.py``, ``*_test.py``)
stands in for an optimizer on purpose (tensorflow/privacy's ``TestOptimizer`` returns
``'test'`` from every method).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.dataflow import FlowAnalysis, SiteTable, Val
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.tapes import named_like_an_optimizer_class

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
    #: ``def apply_gradients(self, *args, **kwargs)``: the pairs arrive in ``*args``.
    starred: bool = False

    @property
    def passed_on(self) -> str:
        """How the fix hands the parameter on: ``grads_and_vars`` or ``*args``."""
        return f"*{self.parameter}" if self.starred else self.parameter


def unapplied_overrides(ctx: ModuleContext, facts: Facts) -> list[UnappliedOverride]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.unapplied_overrides`."""
    method = facts.vocabulary.pair_update_method
    found = []
    for scope in facts.tapes.scopes:
        cls = scope.class_node
        if cls is None or scope.name != method or scope.parent is None:
            continue
        if not any(member is scope.node for member in cls.body.body):
            continue  # a function nested in a method, not the method itself
        params = scope.params()
        if len(params) < 2 or params[0] != "self" or not _is_optimizer_class(ctx, facts, cls):
            continue
        parameter = params[1]
        if _is_abstract(scope.node):
            continue
        if not _reads(scope, parameter) and _is_test_double(ctx, cls):
            continue
        seeds = {parameter: Val(frozenset({_PARAMETER}))}
        flow = FlowAnalysis(ctx, scope, SiteTable(), facts.helpers, seeds=seeds).run()
        if _PARAMETER not in flow.used:
            # The slice keeps what the flow follows (the methods it calls, the members that
            # assign what it reads); a finding is stated from the whole class all the same.
            ctx.require_whole_class(cls)
            star = scope.node.params.star_arg  # type: ignore[attr-defined]  # a FunctionDef
            starred = isinstance(star, cst.Param) and star.name.value == parameter
            found.append(UnappliedOverride(scope, cls.name.value, parameter, starred))
    return found


def _is_abstract(node: cst.CSTNode) -> bool:
    """Whether a method body only documents, passes or raises (no update can be missing)."""
    body = getattr(node, "body", None)
    statements = getattr(body, "body", None)
    if not isinstance(node, cst.FunctionDef) or statements is None:
        return False
    if isinstance(body, cst.SimpleStatementSuite):
        lines = [statements]
    else:
        lines = [
            getattr(statement, "body", None)
            for statement in statements
            if isinstance(statement, cst.SimpleStatementLine)
        ]
        if len(lines) != len(statements):
            return False  # a compound statement does work
    for line in lines:
        for small in line:
            if isinstance(small, (cst.Pass, cst.Raise)):
                continue
            if isinstance(small, cst.Expr) and isinstance(
                small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)
            ):
                continue
            return False
    return True


_DOUBLE_CLASS = re.compile(r"^_*(Test|Mock|Fake|Dummy|Stub)")
_TEST_FILE = re.compile(r"(^test_.*|.*_test)\.py$")


def _is_test_double(ctx: ModuleContext, cls: cst.ClassDef) -> bool:
    """A class that stands in for an optimizer in tests (by its name or its file's)."""
    if _DOUBLE_CLASS.match(cls.name.value):
        return True
    path = ctx.unit.path
    return path is not None and bool(_TEST_FILE.match(Path(path).name))


def _reads(scope: Scope, name: str) -> bool:
    reads = _Reads(name)
    walk_scope(scope, reads)
    return reads.found


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


def _is_optimizer_class(ctx: ModuleContext, facts: Facts, cls: cst.ClassDef) -> bool:
    # DPOptimizerClass (a class a factory builds over the optimizer it is given),
    # ``optimizer_v2.OptimizerV2`` and ``tf.keras.optimizers.Optimizer`` bases: by the name.
    if facts.vocabulary.optimizer_name.search(cls.name.value) or named_like_an_optimizer_class(cls):
        return True
    return any(
        dotted_name(base.value) is not None
        and facts.module.is_optimizer_construction(cst.Call(func=base.value))
        for base in cls.bases
    )
