"""Optimizer updates and the (gradient, variable) pairs they receive.

``optimizer.apply_gradients(zip(grads, variables))`` pairs the i-th gradient with the i-th
variable. Two mistakes keep the intended weights frozen: pairing gradients with other
variables than the ones they were computed for, and swapping the two halves of the pair.
Each :class:`Update` answers both, from the same collection of updates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.layout import Binding, ScopeLayout, Where
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope
from gradlint.analyzer.tapes import GradientSite

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts

#: A name that holds gradients (``grads``, ``d_gradients``): how a swapped pair is told apart
#: from two lists of weights when the gradients cannot be followed to their call.
GRADIENT_NAME = re.compile(r"grad", re.IGNORECASE)


@dataclass(eq=False)
class Update:
    """One update call and the two halves of the pairs it applies."""

    facts: Facts = field(repr=False)
    call: cst.Call
    scope: Scope
    layout: ScopeLayout
    where: Where
    #: What the code passes as gradients and as variables, in the order written.
    first: cst.BaseExpression
    second: cst.BaseExpression
    #: ``"apply_gradients"`` (``zip(first, second)``) or ``"apply"`` (``apply(first, second)``).
    method: str

    @cached_property
    def swapped(self) -> bool:
        """The pairs are (variable, gradient): the first half is weights, the second is
        gradients (followed to a gradient call, or named like gradients)."""
        module = self.facts.module
        if not module.is_weights(self.first, self.scope):
            return False
        if module.is_weights(self.second, self.scope):
            return False
        if gradient_site(self.facts, self.layout, self.second, self.where) is not None:
            return True
        second = self.second
        name = dotted_name(second) if isinstance(second, cst.BaseExpression) else None
        return name is not None and bool(GRADIENT_NAME.search(name.rsplit(".", 1)[-1]))

    @cached_property
    def gradients_from(self) -> GradientSite | None:
        """The gradient call whose result is applied (the first half), when it can be
        followed back through rebindings in the same scope."""
        return gradient_site(self.facts, self.layout, self.first, self.where)

    @cached_property
    def applies_foreign_gradients(self) -> bool:
        """The gradients were computed for other weights than the ones they update (a pair
        in the wrong order is not this: it is :attr:`swapped`)."""
        site = self.gradients_from
        if site is None or site.sources is None or self.swapped:
            return False
        computed = weights_key(self.facts, site.sources, site.scope)
        applied = weights_key(self.facts, self.second, self.scope)
        if not different_weights(computed, applied):
            return False
        return not copies_weights(self.facts, self.layout, self.scope, applied, computed)


#: ``local.set_weights(shared.get_weights())``: a model's weights overwritten by another's.
_SET_WEIGHTS = "set_weights"
_GET_WEIGHTS = "get_weights"


def copies_weights(facts: Facts, layout: ScopeLayout, scope: Scope, source, target) -> bool:
    """The scope copies the weights of ``source`` into ``target`` (weights keys): A3C's
    worker applies its local gradients to the global network and then pulls the global
    weights back, so the differentiated weights do move. ``set_weights(get_weights())``
    and a ``zip`` of the two weight lists beside an ``assign`` count; the copy must go from
    the updated weights into the differentiated ones."""
    if source is None or target is None or source[0] != "owner" or target[0] != "owner":
        return False

    def owner_of(expr: cst.BaseExpression) -> str | None:
        name = dotted_name(expr)
        return _resolve_alias(facts, name, scope) if name is not None else None

    def same(key, expr: cst.BaseExpression) -> bool:
        found = weights_key(facts, expr, scope)
        return found is not None and found[0] == "owner" and not different_weights(key, found)

    assigns = False
    zipped = False
    for call in layout.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == _SET_WEIGHTS and call.args:
            value = call.args[0].value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                into, taken = owner_of(func.value), owner_of(value.func.value)
                if (
                    value.func.attr.value == _GET_WEIGHTS
                    and into is not None
                    and taken is not None
                    and not different_weights(target, ("owner", into))
                    and not different_weights(source, ("owner", taken))
                ):
                    return True
        elif isinstance(func, cst.Attribute) and func.attr.value == "assign":
            assigns = True
        elif dotted_name(func) == "zip" and len(call.args) == 2:
            first, second = (a.value for a in call.args)
            if same(target, first) and same(source, second):
                zipped = True
    return assigns and zipped


def collect_updates(ctx: ModuleContext, facts: Facts) -> list[Update]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.updates`."""
    vocabulary = facts.vocabulary
    scopes = {id(s.scope): s.scope for s in facts.tapes.sites}
    found: list[Update] = []
    for scope in scopes.values():
        layout = facts.layout(scope)
        for call, where in layout.calls.items():
            func = call.func
            if not isinstance(func, cst.Attribute):
                continue
            method = func.attr.value
            if method == vocabulary.pair_update_method:
                pairs = _argument(call, 0, "grads_and_vars")
                zipped = _zip_of(pairs, layout, where) if pairs is not None else None
                if zipped is not None:
                    found.append(Update(facts, call, scope, layout, where, *zipped, method))
            elif method == vocabulary.split_update_method and vocabulary.optimizer_name.search(
                (dotted_name(func.value) or "").rsplit(".", 1)[-1]
            ):
                grads = _argument(call, 0, "grads")
                variables = _argument(call, 1, "trainable_variables")
                if grads is not None and variables is not None:
                    update = Update(facts, call, scope, layout, where, grads, variables, method)
                    found.append(update)
    return found


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return positional[position].value if position < len(positional) else None


def _zip_of(expr: cst.BaseExpression, layout: ScopeLayout, where: Where, depth: int = 0):
    """``(a, b)`` for ``zip(a, b)``, ``list(zip(a, b))`` or a name bound once to either."""
    if depth > 2:
        return None
    if isinstance(expr, cst.Call):
        name = dotted_name(expr.func)
        args = expr.args
        if name in {"list", "tuple"} and len(args) == 1 and not args[0].star:
            return _zip_of(args[0].value, layout, where, depth + 1)
        if name == "zip" and len(args) == 2 and not any(a.star or a.keyword for a in args):
            return args[0].value, args[1].value
        return None
    if isinstance(expr, cst.Name):
        binding = reaching(layout, expr.value, where)
        if binding is not None and binding.value is not None:
            return _zip_of(binding.value, layout, binding.where, depth + 1)
    return None


def reaching(layout: ScopeLayout, name: str, where: Where) -> Binding | None:
    """The binding of ``name`` that ``where`` sees, when it is the only candidate: the last
    one before it, which dominates it, with no other binding in between."""
    before = [b for b in layout.bindings.get(name, []) if b.where.before(where)]
    if not before:
        return None
    last = before[-1]
    if not last.where.dominates(where) and last.where.statement is not where.statement:
        return None
    return last


# ---------------------------------------------------------------------------- resolution
def gradient_site(
    facts: Facts, layout: ScopeLayout, expr: cst.BaseExpression, where: Where
) -> GradientSite | None:
    """The ``tape.gradient`` call whose result ``expr`` holds, followed back through
    rebindings that transform the gradients (``grads = [clip(g) for g in grads]``,
    ``grads, _ = tf.clip_by_global_norm(grads, 1.0)``)."""
    site_of = facts.site_of_call
    for _ in range(6):
        if isinstance(expr, cst.Call) and expr in site_of:
            return site_of[expr]
        if not isinstance(expr, cst.Name):
            return None
        binding = reaching(layout, expr.value, where)
        if binding is None:
            return None
        value = binding.value
        if value is None:
            source = binding.unpacked_from
            if (
                isinstance(source, cst.Call)
                and (dotted_name(source.func) or "").endswith("clip_by_global_norm")
                and source.args
            ):
                value = source.args[0].value
            else:
                return None
        if isinstance(value, cst.Call) and value in site_of:
            return site_of[value]
        names = _bound_names(layout, value)
        if expr.value in names:
            follow = expr.value
        elif len(names) == 1:
            follow = next(iter(names))
        else:
            return None
        expr = cst.Name(follow)
        where = binding.where
    return None


def _bound_names(layout: ScopeLayout, value: cst.CSTNode) -> set[str]:
    from gradlint.analyzer.forward_pass import names_read

    return {n for n in names_read(value) if n in layout.bindings}


def weights_key(facts: Facts, expr: cst.BaseExpression | None, scope: Scope, depth=0):
    """A comparable description of a variables expression, or None when unknown:
    ``("owner", "model")`` for ``model.trainable_variables``, ``("names", ("w", "b"))`` for
    ``[w, b]``, ``("sum", (...))`` for a concatenation."""
    if expr is None or depth > 4:
        return None
    if isinstance(expr, cst.Attribute) and expr.attr.value in facts.vocabulary.owner_attributes:
        owner = dotted_name(expr.value)
        if owner is None:
            return None
        return ("owner", _resolve_alias(facts, owner, scope))
    if isinstance(expr, cst.List | cst.Tuple):
        names = [dotted_name(e.value) for e in expr.elements]
        if not names or any(
            n is None or isinstance(e, cst.StarredElement)
            for n, e in zip(names, expr.elements, strict=True)
        ):
            return None
        return ("names", tuple(names))
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = weights_key(facts, expr.left, scope, depth + 1)
        right = weights_key(facts, expr.right, scope, depth + 1)
        return ("sum", (left, right)) if left and right else None
    if isinstance(expr, cst.Name):
        values = _values(facts, expr.value, scope)
        if values is None or len(values) != 1:
            return None
        return weights_key(facts, values[0], scope, depth + 1)
    return None


def _values(facts: Facts, name: str, scope: Scope):
    bindings = facts.module.bindings
    for s in scope.chain():
        values = bindings.get(s, {}).get(name)
        if values:
            return values
    return None


def _resolve_alias(facts: Facts, owner: str, scope: Scope) -> str:
    """``model`` bound once to ``self.model`` is ``self.model``."""
    for _ in range(3):
        values = _values(facts, owner, scope) if "." not in owner else None
        if not values or len(values) != 1:
            return owner
        name = dotted_name(values[0])
        if name is None:
            return owner
        owner = name
    return owner


def different_weights(computed, applied) -> bool:
    """Whether two weights keys surely name different variables (or a different order)."""
    if computed is None or applied is None or computed[0] != applied[0]:
        return False
    kind = computed[0]
    if kind == "owner":
        a, b = computed[1], applied[1]
        if a == b or a.startswith(b + ".") or b.startswith(a + "."):
            return False
        return a.rsplit(".", 1)[-1] != b.rsplit(".", 1)[-1]
    if kind == "names":
        return computed[1] != applied[1]
    if kind == "sum":
        parts = [(x, y) for x, y in zip(computed[1], applied[1], strict=True)]
        return any(different_weights(x, y) for x, y in parts)
    return False
