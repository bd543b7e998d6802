"""Gradient buffers: non-trainable variables that gradients are copied or added into.

Distributed learners (seed_rl's R2D2, SAC and V-trace) and gradient-accumulation loops copy
each gradient into a buffer, ``for t, g in zip(temp_grads, grads): t.assign(g)``, and apply
the buffers somewhere else (a nested ``apply_gradients`` run by ``strategy.run``, every
``accum_steps`` batches). The ``assign`` changes a variable, but not a weight: it stores the
gradient. Whether the gradients train anything is whether some other code reads the buffers,
and when nothing but the storing loop ever names them, the gradients go nowhere.

A buffer is a name bound to a list (or comprehension) of ``tf.Variable(..., trainable=False)``:
the flag is what says "not a weight" (a list of trainable variables updated with ``assign`` is
a manual training step).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.walk import FastVisitor


@dataclass(frozen=True)
class BufferStore:
    """``t.assign(g)`` into an element of the buffer list ``name``."""

    name: str
    #: Whether any code other than the storing statement reads the buffers (an update, a
    #: checkpoint, a helper): then the stored gradients may be applied there.
    read_elsewhere: bool


def buffer_store(ctx: ModuleContext, call: cst.Call, scope: Scope) -> BufferStore | None:
    """The buffer ``call`` (an ``assign``/``assign_add`` method call) stores into, if any."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    receiver = func.value
    buffer: cst.Name | None = None
    if isinstance(receiver, cst.Subscript) and isinstance(receiver.value, cst.Name):
        buffer = receiver.value  # temp_grads[i].assign(g)
    elif isinstance(receiver, cst.Name):
        finder = _ZipElement(receiver.value)
        walk_scope(scope, finder)
        buffer = finder.source  # for t, g in zip(temp_grads, grads): t.assign(g)
    if buffer is None:
        return None
    owner = _binding_scope(ctx, buffer.value, scope)
    if owner is None:
        return None
    reads = _Reads(buffer.value, buffer)
    reads.walk(owner.node)
    return BufferStore(buffer.value, reads.found)


def _binding_scope(ctx: ModuleContext, name: str, scope: Scope) -> Scope | None:
    """The nearest scope that binds ``name``, when every value it binds is a buffer list."""
    for s in scope.chain():
        if name in s.params():
            return None
        binder = _Assignments(name)
        walk_scope(s, binder)
        if binder.values:
            if all(_is_buffer_list(ctx, v) for v in binder.values):
                return s
            return None
    return None


def _is_buffer_list(ctx: ModuleContext, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.ListComp | cst.GeneratorExp):
        return _is_buffer(ctx, value.elt)
    if isinstance(value, cst.List | cst.Tuple):
        return bool(value.elements) and all(_is_buffer(ctx, e.value) for e in value.elements)
    return False


def _is_buffer(ctx: ModuleContext, value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.Call):
        return False
    variable_class = ctx.facts.vocabulary.variable_class
    if not ctx.imports.is_tensorflow(value.func, variable_class):
        return False
    return any(
        a.keyword is not None
        and a.keyword.value == "trainable"
        and isinstance(a.value, cst.Name)
        and a.value.value == "False"
        for a in value.args
    )


class _ZipElement(ShallowVisitor):
    """The list ``name`` runs over in ``for name, g in zip(buffers, grads)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.source: cst.Name | None = None

    def visit_For(self, node: cst.For) -> None:
        target, iterable = node.target, node.iter
        if not (
            isinstance(target, cst.Tuple | cst.List)
            and isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "zip"
        ):
            return
        for element, arg in zip(target.elements, iterable.args, strict=False):
            if (
                isinstance(element.value, cst.Name)
                and element.value.value == self.name
                and arg.keyword is None
                and not arg.star
                and isinstance(arg.value, cst.Name)
            ):
                self.source = arg.value


class _Assignments(ShallowVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[cst.BaseExpression] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == self.name:
                self.values.append(node.value)


class _Reads(FastVisitor):
    """Whether ``name`` is read anywhere but at ``storing`` (nested functions included)."""

    def __init__(self, name: str, storing: cst.Name) -> None:
        self.name = name
        self.storing = storing
        self.found = False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not (isinstance(node.target, cst.Name) and node.target.value == self.name)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and node is not self.storing:
            self.found = True
