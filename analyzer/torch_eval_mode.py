"""Training loops that switch their model to eval mode and never back (GL107's facts).

``model.eval()`` inside a training loop (a validation pass every N steps, a helper that
evaluates) is harmless when ``model.train()`` runs again before the next training forward.
When nothing switches it back, every later iteration trains with dropout off and batch-norm
statistics frozen: the first iterations train as intended, the rest do not, and nothing
fails. That is the real report of "a model left in eval mode for all but the first
micro-batch".

Read per backward site in a training step, for each model ``M`` its loss was computed from:
a switch to eval mode (``M.eval()``, ``M.train(False)``, or a call of a same-module function
that leaves the model it is handed in eval mode) inside a loop around the backward, from
which some path reaches the training forward (the last ``M(...)`` before the backward in that
loop, else the backward itself) without passing a ``M.train()``. Quiet when the switch
dominates the forward in the same iteration (every iteration runs in the same mode: a
deliberate choice, as for fine-tuning with frozen batch norm), when the model provably has
no layer that eval mode changes (a class of the module built from linear layers only, see
:mod:`gradlint.analyzer.torch_modes`), when the loop is left right
after the switch, when ``M`` is handed to code that may switch it back (an unseen call, a
helper that calls ``train()``), or when the eval is on a part of the model only
(``model.backbone.eval()`` freezes that part on purpose).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.steps import _on_every_path, _other_branch, _related
from gradlint.analyzer.torch_modes import ModeSensitivity, module_itself

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.layout import ScopeLayout, Where
    from gradlint.analyzer.scopes import Scope
    from gradlint.analyzer.steps import BackwardSite

_DEPTH = 3
#: The helpers down to an ``eval()`` call, and that call.
_Switch = tuple[tuple[str, ...], cst.Call]
_NO_GRAD = ("no_grad", "inference_mode")


@dataclass(frozen=True, eq=False)
class EvalModeLeak:
    """A switch to eval mode in a training loop that the next training forward runs under."""

    #: The ``M.eval()`` call, or the call of the helper that leaves ``M`` in eval mode.
    switch: cst.Call
    model: str
    loop: cst.For | cst.While
    #: The training forward (``M(...)``) or, when the loop calls none, the backward.
    forward: cst.Call
    backward: BackwardSite
    #: The helpers between ``switch`` and the ``eval()`` itself (empty: ``switch`` is it).
    via: tuple[str, ...] = ()
    #: The ``eval()`` call inside the last helper (None: ``switch`` is it).
    inner: cst.Call | None = None


def _mode(call: cst.Call) -> tuple[str, str] | None:
    """("eval" | "train", receiver) for ``X.eval()``, ``X.train()``, ``X.train(False)``;
    ``X.train(flag)`` with any other argument counts as a switch back (it may restore)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in ("eval", "train"):
        return None
    receiver = _module_name(func.value)
    if receiver is None:
        return None
    if func.attr.value == "eval":
        return ("eval", receiver) if not call.args else None
    only = call.args[0].value if len(call.args) == 1 else None
    if isinstance(only, cst.Name) and only.value == "False":
        return ("eval", receiver)
    return ("train", receiver)


def _module_name(expr: cst.BaseExpression) -> str | None:
    return dotted_name(module_itself(expr))


def _is_loop(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.For | cst.While)


def _in(loop: cst.CSTNode, where: Where) -> bool:
    return (loop, "body") in where.chain


class _Reader:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.index = facts.torch_steps
        self.callees: dict[cst.Call, list[Scope]] = {}
        for callee, callers in self.index.callers.items():
            for _caller, call in callers:
                self.callees.setdefault(call, []).append(callee)
        self._left: dict[Scope, dict[str, _Switch]] = {}
        self.modes = ModeSensitivity(facts)

    def left_in_eval(self, scope: Scope, depth: int = 0) -> dict[str, _Switch]:
        """Receivers (as the function names them) it leaves in eval mode when it returns,
        each with the helpers down to the ``eval()`` call and that call."""
        if scope in self._left:
            return self._left[scope]
        self._left[scope] = {}  # recursion guard
        layout = self.facts.layout(scope)
        events: list[tuple[Where, str, str, tuple[str, ...], cst.Call]] = []
        for call, where in layout.calls.items():
            mode = _mode(call)
            if mode is not None:
                events.append((where, mode[0], mode[1], (), call))
                continue
            if depth >= _DEPTH:
                continue
            for callee in self.callees.get(call, []):
                for receiver, (via, inner) in self.left_in_eval(callee, depth + 1).items():
                    mapped = _mapped(call, callee, receiver)
                    if mapped is not None:
                        events.append((where, "eval", mapped, (callee.name, *via), inner))
        left: dict[str, _Switch] = {}
        events.sort(key=lambda event: (event[0].seq, event[0].order))
        for _where, kind, receiver, via, inner in events:
            if kind == "eval":
                left[receiver] = (via, inner)
            else:
                left.pop(receiver, None)
        self._left[scope] = left
        return left

    def sets_train(self, scope: Scope, receiver: str, depth: int = 0) -> bool:
        """Whether the function calls ``receiver.train()`` (directly or in a helper)."""
        for call in self.facts.layout(scope).calls:
            mode = _mode(call)
            if mode == ("train", receiver):
                return True
            if mode is None and depth < _DEPTH:
                for callee in self.callees.get(call, []):
                    for param in _receivers_in(call, callee, receiver):
                        if self.sets_train(callee, param, depth + 1):
                            return True
        return False

    def leaks(self) -> list[EvalModeLeak]:
        found: list[EvalModeLeak] = []
        reported: set[cst.Call] = set()
        for site in self.index.backward_sites:
            if not self.facts.backward_consumption(site).intent:
                continue
            layout = self.facts.layout(site.scope)
            where = layout.calls.get(site.call)
            if where is None:
                continue
            loops = [n for n, label in where.chain if label == "body" and _is_loop(n)]
            for model in sorted(site.models):
                if not self._trained(model) or not self.modes.matters(site.scope, model):
                    continue
                leak = self._leak(site, layout, where, loops, model)
                if leak is not None and leak.switch not in reported:
                    reported.add(leak.switch)
                    found.append(leak)
        return found

    def _trained(self, model: str) -> bool:
        """An optimizer holds its parameters, or the code switches it to training mode
        somewhere: a DQN's target network, synced and kept in eval mode, is neither."""
        models = frozenset({model})
        if any(_related(owner, models) for o in self.index.optimizers for owner in o.owners):
            return True
        # ``model.train()``, also through calls that return it: ``model.to(device).train()``
        switch = re.compile(re.escape(model) + r"(\.\w+\([^()]*\))*\.train\(")
        return switch.search(self.facts.ctx.unit.text) is not None

    def _leak(
        self,
        site: BackwardSite,
        layout: ScopeLayout,
        backward: Where,
        loops: list[cst.CSTNode],
        model: str,
    ) -> EvalModeLeak | None:
        switches: list[tuple[cst.Call, Where, tuple[str, ...], cst.Call | None]] = []
        restores: list[Where] = []
        forwards: list[tuple[cst.Call, Where]] = []
        for call, where in layout.calls.items():
            mode = _mode(call)
            if mode is not None:
                if mode == ("eval", model):
                    switches.append((call, where, (), None))
                elif mode == ("train", model):
                    restores.append(where)
                continue
            if dotted_name(call.func) in (model, f"{model}.forward"):
                # the same statement counts: ``loss_fn(model(x), y).backward()``
                if where.seq <= backward.seq and not _under_no_grad(where):
                    forwards.append((call, where))
                continue
            callees = self.callees.get(call, [])
            receives = _hands_model(call, model)
            if receives and not callees:
                restores.append(where)  # handed to code gradlint cannot see
            for callee in callees:
                left = self.left_in_eval(callee)
                for receiver, (via, inner) in left.items():
                    if _mapped(call, callee, receiver) == model:
                        switches.append((call, where, (callee.name, *via), inner))
                params = _receivers_in(call, callee, model)
                if any(self.sets_train(callee, p) for p in params):
                    restores.append(where)
        if not switches:
            return None
        # An eval() picked against a train() in another branch of one ``if`` sets the mode
        # for what follows as much as the train() does: both end a leak from earlier.
        chosen = [w for _, w, _, _ in switches if any(_other_branch(w, r) for r in restores)]
        restores = restores + chosen
        for loop in reversed(loops):  # innermost first
            in_loop = [(c, w) for c, w in forwards if _in(loop, w)]
            forward, target = in_loop[-1] if in_loop else (site.call, backward)
            for switch, where, via, inner in switches:
                if not _in(loop, where) or where.dominates(target):
                    continue
                if where.before(target) and any(_other_branch(where, r) for r in restores):
                    continue  # ``if finetune: model.train() else: model.eval()``: a choice
                if _leaves_loop_after(layout, loop, where):
                    continue
                if any(_on_every_path(layout, where, r, target) for r in restores):
                    continue
                if _mode_set_by_every_branch(restores, chosen, where, target):
                    continue
                return EvalModeLeak(switch, model, loop, forward, site, via, inner)
        return None


def _mode_set_by_every_branch(
    restores: list[Where], chosen: list[Where], start: Where, end: Where
) -> bool:
    """``if finetune: model.train() elif freeze: model.eval() else: assert False`` between
    a leftover eval() and the forward: every branch sets the mode (or fails), so the earlier
    eval() never reaches the forward. The ``if`` is the one a chosen eval() and a train()
    differ in; it must come before ``end``, in a block that holds ``end``, and after
    ``start`` or (``start`` later in the loop) on the way round to ``end``."""
    for mode in chosen:
        for restore in restores:
            top = _branching_if(mode, restore)
            if top is None:
                continue
            node, depth = top
            around = mode.chain[:depth]
            # reached straight on, or round the loop that holds them all (start after end)
            on_the_way = start.before(mode) or end.before(start)
            if not (on_the_way and mode.before(end)) or end.chain[:depth] != around:
                continue
            if _shared_depth(start, end) > depth:
                continue  # a loop (or branch) around both but not the ``if`` may bypass it
            if all(_branch_sets_mode(node, label, restores) for node, label in _branches(node)):
                return True
    return False


def _shared_depth(first: Where, second: Where) -> int:
    depth = 0
    for block, other in zip(first.chain, second.chain, strict=False):
        if block[0] is not other[0] or block[1] != other[1]:
            break
        depth += 1
    return depth


def _branching_if(first: Where, second: Where) -> tuple[cst.If, int] | None:
    for depth, ((node, label), (other, other_label)) in enumerate(
        zip(first.chain, second.chain, strict=False)
    ):
        if node is not other:
            return None
        if label != other_label:
            return (node, depth) if isinstance(node, cst.If) else None
    return None


def _branches(node: cst.If) -> list[tuple[cst.CSTNode, str]]:
    """Each branch of an if/elif/else chain as (the ``if`` that holds it, its label);
    ``(None, "")`` for a missing final else (a path that runs no branch)."""
    found: list[tuple[cst.CSTNode, str]] = []
    current: cst.If = node
    while True:
        found.append((current, "body"))
        orelse = current.orelse
        if isinstance(orelse, cst.If):
            current = orelse
            continue
        found.append((current, "else") if orelse is not None else (None, ""))
        return found


def _branch_sets_mode(node: cst.CSTNode | None, label: str, restores: list[Where]) -> bool:
    if node is None:
        return False
    if any(n is node and lab == label for r in restores for n, lab in r.chain):
        return True
    body = node.body if label == "body" else node.orelse.body  # type: ignore[union-attr]
    statements = list(getattr(body, "body", ()))
    return len(statements) == 1 and _fails(statements[0])


def _fails(statement: cst.CSTNode) -> bool:
    """``assert False`` or ``raise ...``: the path ends there."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Raise):
        return True
    return (
        isinstance(small, cst.Assert)
        and isinstance(small.test, cst.Name)
        and small.test.value == "False"
    )


def _under_no_grad(where: Where) -> bool:
    """Inside ``with torch.no_grad()`` / ``inference_mode()``: an evaluation forward."""
    for with_node in where.withs:
        for item in with_node.items:
            expr = item.item
            name = dotted_name(expr.func if isinstance(expr, cst.Call) else expr) or ""
            if name.rsplit(".", 1)[-1] in _NO_GRAD:
                return True
    return False


def _leaves_loop_after(layout: ScopeLayout, loop: cst.CSTNode, where: Where) -> bool:
    """A ``break``/``return``/``raise`` follows the switch in its own blocks inside the loop:
    that path never reaches another iteration."""
    return any(
        e.seq > where.seq
        and where.chain[: len(e.chain)] == e.chain
        and _in(loop, e)
        and not isinstance(e.statement, cst.Continue)
        for e in layout.exits
    )


def _hands_model(call: cst.Call, model: str) -> bool:
    """A call that may switch the model back to training mode: ``f(model)`` of unseen code,
    ``self.f()`` for a model held by ``self``, or a method of the model named for training
    (``model.set_train_mode()``); its forward, ``generate``, ``parameters`` and the like do
    not change the mode."""
    if any(_module_name(arg.value) == model for arg in call.args):
        return True
    func = dotted_name(call.func) or ""
    if func.startswith(model + ".") and "train" in func[len(model) :].lower():
        return True
    return model.startswith("self.") and func.startswith("self.") and func.count(".") == 1


def _param_names(callee: Scope) -> list[str]:
    names = callee.params()
    if callee.class_node is not None and names and names[0] in ("self", "cls"):
        names = names[1:]
    return names


def _receivers_in(call: cst.Call, callee: Scope, model: str) -> list[str]:
    """The callee's names for ``model`` at this call: the parameter it is passed as, or
    ``model`` itself when it is an attribute of ``self`` and the callee is a method."""
    found: list[str] = []
    names = _param_names(callee)
    position = 0
    for arg in call.args:
        if arg.star:
            break
        if arg.keyword is not None:
            if dotted_name(arg.value) == model:
                found.append(arg.keyword.value)
            continue
        if dotted_name(arg.value) == model and position < len(names):
            found.append(names[position])
        position += 1
    if model.startswith("self.") and callee.class_node is not None:
        found.append(model)
    return found


def _mapped(call: cst.Call, callee: Scope, receiver: str) -> str | None:
    """The caller's name for what the callee calls ``receiver``."""
    if receiver.startswith("self."):
        func = dotted_name(call.func) or ""
        return receiver if callee.class_node is not None and func.startswith("self.") else None
    names = _param_names(callee)
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value == receiver:
                return dotted_name(arg.value)
            continue
        if position < len(names) and names[position] == receiver:
            return dotted_name(arg.value)
        position += 1
    return None


def eval_mode_leaks(facts: Facts) -> list[EvalModeLeak]:
    if not facts.torch_steps.backward_sites:
        return []
    return _Reader(facts).leaks()
