"""Training loops that never clear ``.grad`` (GL106's facts).

``backward()`` adds into ``.grad``; only ``zero_grad()`` (or ``p.grad = None``,
``p.grad.zero_()``) empties it. A loop that backpropagates and steps on every iteration but
never clears makes each step use the sum of every gradient so far: training diverges or
crawls, yet nothing fails. This is a warning, not a freeze: the weights do move.

Read per loop, in the scope that holds both the backward and the step: a clearing anywhere
in the loop's body, in a same-module function it calls (at any depth gradlint follows), or
in a closure handed to ``opt.step(closure)`` counts, per optimizer (``opt_d.zero_grad()``
does not clear the generator's ``.grad``; ``model.zero_grad()`` clears its optimizer's).
Clearing outside the loop runs once and does not count. An optimizer handed to a call
gradlint cannot see, an engine that clears itself (DeepSpeed), an optimizer hook, and code
that is no training step (tests, no optimizer in reach) stay quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.steps import BackwardSite, OptimizerStep, StepIndex

#: Step forms that need ``.grad`` cleared by the code (an engine clears its own; a closure
#: is where an LBFGS loop clears).
_CLEARED_BY_CODE = ("step", "scaler", "function")
_DEPTH = 4


@dataclass(frozen=True, eq=False)
class UnclearedLoop:
    """A loop that backpropagates and steps ``step`` but never clears its ``.grad``."""

    loop: cst.For | cst.While
    backward: BackwardSite
    step: OptimizerStep
    #: The step runs only on some iterations (gradient accumulation without clearing).
    conditional: bool
    #: The same-module functions the loop calls to reach the backward and the step (the
    #: helper that holds them last); empty when the loop holds them itself.
    via: tuple[str, ...] = ()
    #: The call in the loop that leads to them (None when the loop holds them itself).
    entry: cst.Call | None = None


@dataclass(frozen=True)
class _Clearing:
    node: cst.CSTNode
    #: The receiver of ``zero_grad()`` (None: a ``.grad`` cleared by hand, clears anything).
    receiver: str | None


def _clearings(scope: Scope) -> list[_Clearing]:
    found: list[_Clearing] = []
    called: set[cst.CSTNode] = set()

    class _Find(ShallowVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            called.add(func)
            last = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
            receiver = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
            if last and "zero_grad" in last:
                found.append(_Clearing(node, receiver))
            elif last in ("zero_", "fill_", "detach_", "_foreach_zero_") and (
                last == "_foreach_zero_" or ".grad" in f"{receiver}."
            ):
                found.append(_Clearing(node, None))

        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value == "zero_grad" and node not in called:
                found.append(_Clearing(node, None))  # handed on as a value (a hook)

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                if (dotted_name(target.target) or "").endswith(".grad"):
                    found.append(_Clearing(node, None))

        def visit_Del(self, node: cst.Del) -> None:
            targets = node.target.elements if isinstance(node.target, cst.Tuple) else ()
            names = [dotted_name(t.value) for t in targets] or [dotted_name(node.target)]
            if any((name or "").endswith(".grad") for name in names):
                found.append(_Clearing(node, None))

    walk_scope(scope, _Find())
    return found


def _in_loop(facts: Facts, scope: Scope, loop: cst.CSTNode, node: cst.CSTNode) -> bool:
    where = facts.layout(scope).calls.get(node) if isinstance(node, cst.Call) else None
    if where is None:
        return False
    return (loop, "body") in where.chain


def uncleared_loops(facts: Facts) -> list[UnclearedLoop]:
    index = facts.torch_steps
    steps = [s for s in index.steps if s.form in _CLEARED_BY_CODE]
    if not steps or not index.backward_sites:
        return []
    callees: dict[cst.Call, list[Scope]] = {}
    for callee, callers in index.callers.items():
        for _caller, call in callers:
            callees.setdefault(call, []).append(callee)
    clearing_cache: dict[Scope, list[_Clearing]] = {}

    def clearings_of(scope: Scope) -> list[_Clearing]:
        if scope not in clearing_cache:
            clearing_cache[scope] = _clearings(scope)
        return clearing_cache[scope]

    def reachable(scope: Scope, depth: int, seen: set[Scope]) -> list[_Clearing]:
        found = list(clearings_of(scope))
        if depth < _DEPTH:
            for call in facts.layout(scope).calls:
                for callee in callees.get(call, []):
                    if callee not in seen:
                        found += reachable(callee, depth + 1, seen | {callee})
        return found

    found: list[UnclearedLoop] = []
    reported: set[OptimizerStep] = set()
    for site in index.backward_sites:
        if not facts.backward_consumption(site).intent:
            continue
        layout = facts.layout(site.scope)
        where = layout.calls.get(site.call)
        if where is None:
            continue
        loops = [n for n, label in reversed(where.chain) if label == "body" and _is_loop(n)]
        for loop in loops:
            in_loop = [
                s
                for s in steps
                if s.scope is site.scope
                and s not in reported
                and _in_loop(facts, site.scope, loop, s.node)
            ]
            if not in_loop:
                continue
            if _handed_on(facts, index, site.scope, loop, callees):
                break
            clearings = [
                c
                for c in clearings_of(site.scope)
                if _in_loop_node(facts, site.scope, loop, c.node)
            ]
            for call in facts.layout(site.scope).calls:
                if _in_loop(facts, site.scope, loop, call):
                    for callee in callees.get(call, []):
                        clearings += reachable(callee, 1, {callee, site.scope})
            for step in in_loop:
                if _built_in_loop(facts, index, site.scope, loop, step):
                    continue
                if not any(_covers(index, c, step) for c in clearings):
                    chain = layout.calls[step.node].chain if isinstance(step.node, cst.Call) else ()
                    inner = (
                        chain[[n for n, _ in chain].index(loop) + 1 :]
                        if loop in dict(chain)
                        else ()
                    )
                    conditional = any(isinstance(n, cst.If) for n, _ in inner)
                    found.append(UnclearedLoop(loop, site, step, conditional))
                    reported.add(step)
            break
        else:
            found += _through_callers(facts, index, site, steps, callees, reachable, reported)
    return found


def _through_callers(facts: Facts, index: StepIndex, site, steps, callees, reachable, reported):
    """A helper that backpropagates and steps once per call, called from a loop: read the
    loop as if the helper's body were in it. The helper's own clearings count wherever they
    are (they run on every call), as do the loop's and those of what the loop calls; callers
    are followed a few levels up to the first loop around the call."""
    scope = site.scope
    layout = facts.layout(scope)
    where = layout.calls[site.call]
    if any(_is_loop(n) for n, _ in where.chain):
        return []  # a loop of the helper's own: read above
    own = [
        s
        for s in steps
        if s.scope is scope
        and s not in reported
        and isinstance(s.node, cst.Call)
        and s.node in layout.calls
        and where.before(layout.calls[s.node])
        and not any(_is_loop(n) for n, _ in layout.calls[s.node].chain)
    ]
    own = [s for s in own if not _built_in(index, scope, s)]
    if not own or _handed_on_anywhere(index, scope, callees):
        return []
    found: list[UnclearedLoop] = []
    helper_clearings = reachable(scope, 1, {scope})
    pending = [(scope, (scope.name,), list(helper_clearings), 0)]
    seen = {scope}
    while pending and own:
        callee, via, clearings, depth = pending.pop(0)
        for caller, call in index.callers.get(callee, []):
            if caller in seen or depth >= _DEPTH:
                continue
            caller_layout = facts.layout(caller)
            at = caller_layout.calls.get(call)
            if at is None:
                continue
            loops = [n for n, label in reversed(at.chain) if label == "body" and _is_loop(n)]
            if not loops:
                if not _handed_on_anywhere(index, caller, callees):
                    seen.add(caller)
                    more = clearings + reachable(caller, depth + 1, {caller, *seen})
                    pending.append((caller, (caller.name, *via), more, depth + 1))
                continue
            loop = loops[0]
            if _handed_on(facts, index, caller, loop, callees):
                continue
            in_loop = clearings + [
                c for c in _clearings(caller) if _in_loop_node(facts, caller, loop, c.node)
            ]
            for other in caller_layout.calls:
                if other is not call and _in_loop(facts, caller, loop, other):
                    for target in callees.get(other, []):
                        in_loop += reachable(target, 1, {target, caller})
            inner = at.chain[[n for n, _ in at.chain].index(loop) + 1 :]
            called_conditionally = any(isinstance(n, cst.If) for n, _ in inner)
            for step in list(own):
                if any(_covers(index, c, step) for c in in_loop):
                    continue
                chain = layout.calls[step.node].chain
                conditional = called_conditionally or any(isinstance(n, cst.If) for n, _ in chain)
                found.append(UnclearedLoop(loop, site, step, conditional, via, call))
                reported.add(step)
                own.remove(step)
    return found


def _built_in(index: StepIndex, scope: Scope, step) -> bool:
    """The helper builds the optimizer it steps on each call (over a fresh leaf)."""
    return any(o.scope is scope for o in index.optimizers_named(step.optimizer or ""))


def _handed_on_anywhere(index: StepIndex, scope: Scope, callees) -> bool:
    """An optimizer handed in ``scope`` to code gradlint cannot see (it may clear)."""
    info = index.info[scope]
    if any(not callees.get(call) for call in info.optimizer_handoffs):
        return True
    return any("register_step" in name or "register_hook" in name for _c, name, _r in info.calls)


def _built_in_loop(facts: Facts, index: StepIndex, scope: Scope, loop, step) -> bool:
    """An optimizer built again on each iteration (over a fresh leaf tensor, as a diffusion
    pipeline's guidance step does): its first step reads one iteration's gradient."""
    return any(
        o.scope is scope and _in_loop(facts, scope, loop, o.construction)
        for o in index.optimizers_named(step.optimizer or "")
    )


def _in_loop_node(facts: Facts, scope: Scope, loop: cst.CSTNode, node: cst.CSTNode) -> bool:
    """A clearing node inside ``loop``'s body: checked by source position (statements are
    not all in the layout)."""
    if isinstance(node, cst.Call) and _in_loop(facts, scope, loop, node):
        return True
    ctx = facts.ctx
    span = ctx.position(node)
    body = ctx.position(loop.body)
    return body.start.line <= span.start.line <= body.end.line


def _handed_on(facts, index: StepIndex, scope: Scope, loop, callees) -> bool:
    """An optimizer handed in the loop to code gradlint cannot see (it may clear)."""
    for call in index.info[scope].optimizer_handoffs:
        if not callees.get(call) and _in_loop(facts, scope, loop, call):
            return True
    return any(
        "register_step" in name or "register_hook" in name
        for _call, name, _receiver in index.info[scope].calls
    )


def _covers(index: StepIndex, clearing: _Clearing, step: OptimizerStep) -> bool:
    """Whether ``clearing`` empties the ``.grad`` that ``step`` reads."""
    receiver = clearing.receiver
    if receiver is None or step.optimizer is None or receiver == step.optimizer:
        return True
    stepped = index.optimizers_named(step.optimizer)
    cleared = index.optimizers_named(receiver)
    owners = {o for opt in stepped for o in opt.owners}
    if cleared:
        other = {o for opt in cleared for o in opt.owners}
        return not owners or not other or any(_related(a, other) for a in owners)
    models = {o for opt in index.optimizers for o in opt.owners}
    if owners and receiver in models:
        return _related(receiver, owners)
    return True


def _related(name: str, others: set[str]) -> bool:
    return any(name == o or name.startswith(o + ".") or o.startswith(name + ".") for o in others)


def _is_loop(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.For | cst.While)
