"""Where do gradient values go? A small abstract interpreter over one scope.

Each ``tape.gradient`` call is a *site*; the value it returns is tracked through names,
containers, unpacking, comprehensions, loops and known pure functions. A site is *used* when
its value reaches something that can change weights or outlive the scope:

- an update (``apply_gradients``, Keras 3 ``apply``, ``assign*``, ``scatter_*``, ...),
- ``return``/``yield``, storage in an attribute, a global or a caller's container,
- a call gradlint cannot prove only observes its argument (unknown helpers, imported code,
  lambdas and nested functions that close over it). Same-module helpers are looked into.
- an assertion (a test that checks gradient values is using them as intended).

Observers (``print``, ``tf.print``, logging, ``tf.summary``, norms, ``len``, string formatting)
do not count. The analysis is flow-sensitive (a rebinding kills the old value; code after an
unconditional ``return``/``raise``/``break``/``continue`` is dead) and joins branches by union,
so every uncertainty leans towards "used": a missed bug is better than a false alarm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.accumulators import buffer_store
from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.redefinitions import (
    definition_at_runs,
    sees_only,
    top_level_definitions,
)
from gradlint.analyzer.scopes import Scope, body_statements
from gradlint.analyzer.summaries import KNOWN_OBSERVERS, KNOWN_PURE
from gradlint.analyzer.vocabulary import (
    CONTAINER_MUTATORS,
    LOG_METHODS,
    LOGGER_NAME,
    OBSERVER_BUILTINS,
    PURE_MODULE_ROOTS,
    VALUE_BUILTINS,
    VALUE_METHODS,
)
from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.project import Target
    from gradlint.analyzer.summaries import FunctionSummary, ProjectModule

Sites = frozenset[int]
EMPTY: Sites = frozenset()


class FateKind(Enum):
    """Where a gradient value ends up (the first use the analysis meets wins)."""

    APPLIED = "applied"  # an optimizer step or a variable update
    RETURNED = "returned"  # returned, yielded or raised: the caller decides
    STORED = "stored"  # an attribute, a global, a caller's container
    PASSED = "passed"  # to a call (or closure) that may apply it: assumed used
    ASSERTED = "asserted"  # a test checks the values
    RECORDED = "recorded"  # read while another tape records (higher-order gradients)
    DROPPED = "dropped"  # none of the above: the value goes nowhere


@dataclass(frozen=True)
class Val:
    """The sites a value may carry; ``parts`` when it is a tuple/list of known shape."""

    sites: Sites = EMPTY
    parts: tuple[Val, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.sites)

    def join(self, other: Val) -> Val:
        if not other.sites and other.parts is None:
            return self
        return Val(self.sites | other.sites)


NOTHING = Val()
State = dict[str, Val]
#: The reason a ``return`` statement gives (``yield`` and ``raise`` give their own).
RETURN_REASON = "returned"


@dataclass
class SiteTable:
    """The gradient sites of a module as the flow analysis needs them.

    ``parts`` gives element ids to a site whose result is unpacked against a literal list of
    sources (``dw, db = tape.gradient(loss, [w, b])``), so that dropping one element is seen.
    ``tape_of`` and ``recording`` let a gradient read inside *another* tape's ``with`` block
    count as used: it feeds a higher-order gradient (MAML, Hessian-vector products).
    """

    ids: dict[cst.Call, int] = field(default_factory=dict)
    parts: dict[int, tuple[int, ...]] = field(default_factory=dict)
    tape_of: dict[int, object] = field(default_factory=dict)
    recording: dict[cst.With, list[object]] = field(default_factory=dict)
    #: The value a call returns, where it is known: gradients a callee returns, followed
    #: into one of its callers (:mod:`gradlint.analyzer.returned_gradients`).
    results: dict[cst.Call, Val] = field(default_factory=dict)
    #: Graph-mode sites (``tf.gradients``): a gradient among their arguments is
    #: differentiated again (a Hessian-vector product), which is a use.
    graph: set[int] = field(default_factory=set)
    #: id(tape) -> its gradient calls (``tape.gradient(...)``) in the module.
    calls_of: dict[int, list[cst.Call]] = field(default_factory=dict)


@dataclass
class FlowResult:
    """What happened to each site's value in one scope."""

    #: site index -> why it counts as used ("applied by apply_gradients", "returned", ...)
    used: dict[int, str] = field(default_factory=dict)
    #: site index -> what kind of use that is
    kinds: dict[int, FateKind] = field(default_factory=dict)
    #: site index -> names that held the value (for messages)
    holders: dict[int, list[str]] = field(default_factory=dict)
    #: site index -> every use met, not only the first (kind, reason): a value that is only
    #: ever returned is followed into the callers.
    uses: dict[int, set[tuple[FateKind, str]]] = field(default_factory=dict)
    #: The values of the scope's ``return`` statements, in order.
    returns: list[Val] = field(default_factory=list)


class FlowAnalysis:
    """Runs over one scope's statements. ``seeds`` pre-taints names (helper summaries)."""

    MAX_HELPER_DEPTH = 3

    def __init__(
        self,
        ctx: ModuleContext,
        scope: Scope,
        table: SiteTable,
        helpers: HelperIndex,
        seeds: State | None = None,
        depth: int = 0,
    ) -> None:
        self.ctx = ctx
        self.vocabulary = ctx.facts.vocabulary
        self.scope = scope
        self.table = table
        #: Tapes whose ``with`` block encloses the code being interpreted.
        self.recording: list[object] = []
        self.helpers = helpers
        self.depth = depth
        self.result = FlowResult()
        self.initial: State = dict(seeds or {})
        self.params = set(scope.params())
        self.globals: set[str] = set()
        self.assigned = assigned_names(scope)
        self._rebound: set[str] | None = None
        self._loop_targets: set[str] | None = None
        #: Loop target -> the fresh local lists of lists it iterates (see _note_elements).
        self._elements_of: dict[str, set[str]] = {}
        #: Loops around the statement being interpreted, and around each recording tape's
        #: ``with`` when it was entered.
        self._loop_depth = 0
        self._recording_loop_depth: dict[int, int] = {}
        self._order: dict[cst.CSTNode, int] | None = None

    # ----------------------------------------------------------------- entry point
    def run(self) -> FlowResult:
        self._block(self.scope.body(), dict(self.initial))
        return self.result

    # ----------------------------------------------------------------- recording
    def _use(self, val: Val, reason: str, kind: FateKind) -> None:
        for site in val.sites:
            if site not in self.result.used:
                self.result.used[site] = reason
                self.result.kinds[site] = kind
            self.result.uses.setdefault(site, set()).add((kind, reason))
        for part in val.parts or ():
            self._use(part, reason, kind)

    def _recorded_by_other_tape(self, val: Val, read: cst.CSTNode) -> None:
        """A gradient read while another tape records may feed that tape's target, unless
        every gradient call of that tape comes before the read in this scope's code (two
        tapes of a GAN opened in one ``with``: a norm of the generator's gradients taken
        after the discriminator's ``d_tape.gradient(...)`` feeds nothing it differentiates).
        Inside a loop within the ``with`` block, a later pass may differentiate again."""
        for site in self._all_sites(val):
            own = self.table.tape_of.get(site)
            if site in self.result.used:
                continue
            if any(
                tape is not own and self._may_differentiate(tape, read) for tape in self.recording
            ):
                self.result.used[site] = "recorded by another tape (higher-order)"
                self.result.kinds[site] = FateKind.RECORDED

    def _may_differentiate(self, tape: object, read: cst.CSTNode) -> bool:
        if self._loop_depth > self._recording_loop_depth.get(id(tape), 0):
            return True
        calls = self.table.calls_of.get(id(tape))
        if not calls:
            return True  # no call of its own in the module: handed on, differentiated elsewhere
        order = self._source_order()
        at = order.get(read)
        if at is None:
            return True
        return any(order.get(call, at + 1) > at for call in calls)

    def _source_order(self) -> dict[cst.CSTNode, int]:
        """Names and calls of the scope numbered in source order (computed when first asked)."""
        if self._order is None:
            self._order = {}
            numbering = _SourceOrder(self._order)
            for stmt in self.scope.body():
                numbering.walk(stmt)
        return self._order

    def _all_sites(self, val: Val) -> Sites:
        sites = set(val.sites)
        for part in val.parts or ():
            sites |= self._all_sites(part)
        return frozenset(sites)

    def _bind(self, state: State, name: str, val: Val) -> None:
        if name in self.globals or (not self.scope.is_module and name not in self.assigned):
            self._use(val, f"stored in global '{name}'", FateKind.STORED)
        state[name] = val
        for site in self._all_sites(val):
            holders = self.result.holders.setdefault(site, [])
            if name not in holders:
                holders.append(name)

    def _is_local_container(self, name: str) -> bool:
        if name in self.globals or name in self.params:
            return False
        if self._loop_targets is None:
            self._loop_targets = loop_targets(self.scope)
        if name in self._loop_targets:
            return False  # an element of what the loop iterates: it may be an attribute's
        return self.scope.is_module or name in self.assigned

    def _note_elements(self, stmt: cst.For) -> None:
        """Which loop targets are elements of lists this function builds itself
        (``acc = []`` ... ``for g, a in zip(grads, acc)``): storing into such an element
        stores into the list. An element of anything else may be shared with an attribute
        (``for spec in self.optimizer_specs``) and stays a store elsewhere."""
        iterables = [stmt.iter]
        call = stmt.iter
        if isinstance(call, cst.Call) and dotted_name(call.func) in ("zip", "enumerate"):
            iterables = [arg.value for arg in call.args]
        fresh = {
            e.value for e in iterables if isinstance(e, cst.Name) and self._built_here(e.value)
        }
        if not fresh:
            return
        for name in _target_names(stmt.target):
            self._elements_of.setdefault(name, set()).update(fresh)

    def _built_here(self, name: str) -> bool:
        """Every binding of ``name`` in this scope is a list display or comprehension."""
        if not self._is_local_container(name) or self.scope.is_module:
            return False
        values = self.ctx.facts.module.bindings.get(self.scope, {}).get(name, [])
        return bool(values) and all(isinstance(v, cst.List | cst.ListComp) for v in values)

    # ----------------------------------------------------------------- statements
    def _block(self, stmts: Iterable[cst.CSTNode], state: State) -> tuple[State, bool]:
        """Returns the state after the block and whether the block always leaves early."""
        for stmt in stmts:
            state, terminated = self._stmt(stmt, state)
            if terminated:
                return state, True
        return state, False

    def _stmt(self, stmt: cst.CSTNode, state: State) -> tuple[State, bool]:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                if self._small(small, state):
                    return state, True
            return state, False
        if isinstance(stmt, cst.If):
            return self._if(stmt, state)
        if isinstance(stmt, cst.For):
            iterable = self._eval(stmt.iter, state)
            self._note_elements(stmt)
            return self._loop(stmt, state, lambda s: self._assign_target(stmt.target, iterable, s))
        if isinstance(stmt, cst.While):
            self._eval(stmt.test, state)
            return self._loop(stmt, state, None)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                val = self._eval(item.item, state)
                if item.asname is not None:
                    self._assign_target(item.asname.name, val, state)
            tapes = self.table.recording.get(stmt, [])
            self.recording.extend(tapes)
            for tape in tapes:
                self._recording_loop_depth.setdefault(id(tape), self._loop_depth)
            try:
                return self._block(body_statements(stmt), state)
            finally:
                del self.recording[len(self.recording) - len(tapes) :]
        if isinstance(stmt, cst.Try | cst.TryStar):
            return self._try(stmt, state)
        if isinstance(stmt, cst.FunctionDef):
            self._closure(stmt, state, f"nested function '{stmt.name.value}'")
            for deco in stmt.decorators:
                self._eval(deco.decorator, state)
            return state, False
        if isinstance(stmt, cst.ClassDef):
            self._closure(stmt, state, f"class '{stmt.name.value}'")
            return state, False
        if isinstance(stmt, cst.Match):
            self._eval(stmt.subject, state)
            outs = []
            for case in stmt.cases:
                out, _ = self._block(body_statements(case), dict(state))
                outs.append(out)
            return _join(state, *outs), False
        return state, False

    def _small(self, small: cst.BaseSmallStatement, state: State) -> bool:
        """Handles one simple statement; returns True when it leaves the block."""
        if isinstance(small, cst.Expr):
            self._eval(small.value, state)
        elif isinstance(small, cst.Assign):
            if self._rebinding_transform(small):
                assert isinstance(small.value, cst.Call)
                # ``grads = transform_grads_fn(grads)``: the parameter gives them back.
                val = self._union(self._eval(arg.value, state) for arg in small.value.args)
            else:
                val = self._eval(small.value, state)
            for target in small.targets:
                self._assign_target(target.target, val, state)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign_target(small.target, self._eval(small.value, state), state)
        elif isinstance(small, cst.AugAssign):
            val = self._eval(small.value, state)
            self._augment(small.target, val, state)
        elif isinstance(small, cst.Return):
            if small.value is not None:
                val = self._eval(small.value, state)
                self._use(val, RETURN_REASON, FateKind.RETURNED)
                self.result.returns.append(val)
            return True
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self._use(self._eval(small.exc, state), "raised", FateKind.RETURNED)
            return True
        elif isinstance(small, cst.Break | cst.Continue):
            return True
        elif isinstance(small, cst.Assert):
            self._use(self._eval(small.test, state), "asserted", FateKind.ASSERTED)
            self._use(self._mentioned([small.test], state), "asserted", FateKind.ASSERTED)
            if small.msg is not None:
                self._eval(small.msg, state)
        elif isinstance(small, cst.Global | cst.Nonlocal):
            self.globals.update(n.name.value for n in small.names)
        elif isinstance(small, cst.Del):
            pass
        return False

    def _rebinding_transform(self, small: cst.Assign) -> bool:
        """``grads = transform_grads_fn(grads)``: a callable *parameter* whose result is
        bound back to the name it was given. A hook of a library function that gives the
        gradients back transformed (tf_agents' ``transform_grads_fn``) rather than an
        unknown call that may apply them; one named like an update or an optimizer still
        counts as one that may apply."""
        call = small.value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name)):
            return False
        name = call.func.value
        if name not in self.params:
            return False
        if self._rebound is None:
            self._rebound = rebound_names(self.scope)
        if name in self._rebound:
            return False
        if self.vocabulary.update_method.search(name) or self.vocabulary.optimizer_name.search(
            name
        ):
            return False
        targets = {dotted_name(t.target) for t in small.targets}
        return len(targets) == 1 and any(
            arg.keyword is None and not arg.star and dotted_name(arg.value) in targets
            for arg in call.args
        )

    def _if(self, stmt: cst.If, state: State) -> tuple[State, bool]:
        self._eval(stmt.test, state)
        body_state, body_term = self._block(body_statements(stmt), dict(state))
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            else_state, else_term = self._if(orelse, dict(state))
        elif isinstance(orelse, cst.Else):
            else_state, else_term = self._block(body_statements(orelse), dict(state))
        else:
            else_state, else_term = dict(state), False
        return _join(body_state, else_state), body_term and else_term

    def _loop(self, stmt: cst.For | cst.While, state: State, bind) -> tuple[State, bool]:
        current = dict(state)
        self._loop_depth += 1
        try:
            for _ in range(2):  # a second pass lets values flow around the back edge
                iteration = dict(current)
                if bind is not None:
                    bind(iteration)
                after, _ = self._block(body_statements(stmt), iteration)
                current = _join(current, after)
        finally:
            self._loop_depth -= 1
        if stmt.orelse is not None:
            current, _ = self._block(body_statements(stmt.orelse), current)
        return current, False

    def _try(self, stmt: cst.Try | cst.TryStar, state: State) -> tuple[State, bool]:
        body_state, _ = self._block(body_statements(stmt), dict(state))
        merged = _join(state, body_state)
        outs = [body_state]
        for handler in stmt.handlers:
            out, _ = self._block(body_statements(handler), dict(merged))
            outs.append(out)
        if stmt.orelse is not None:
            out, _ = self._block(body_statements(stmt.orelse), dict(body_state))
            outs.append(out)
        final = _join(merged, *outs)
        if stmt.finalbody is not None:
            final, _ = self._block(body_statements(stmt.finalbody), final)
        return final, False

    # ----------------------------------------------------------------- assignment
    def _assign_target(self, target: cst.BaseExpression, val: Val, state: State) -> None:
        if isinstance(target, cst.Name):
            self._bind(state, target.value, val)
        elif isinstance(target, cst.Tuple | cst.List):
            elements = target.elements
            parts = val.parts if val.parts is not None and len(val.parts) == len(elements) else None
            for i, element in enumerate(elements):
                if isinstance(element, cst.StarredElement):
                    self._assign_target(element.value, Val(self._all_sites(val)), state)
                elif parts is not None:
                    self._assign_target(element.value, parts[i], state)
                else:
                    self._assign_target(element.value, Val(self._all_sites(val)), state)
        elif isinstance(target, cst.StarredElement):
            self._assign_target(target.value, val, state)
        elif isinstance(target, cst.Subscript):
            self._eval_slices(target, state)
            self._store_into(target.value, val, state)
        elif isinstance(target, cst.Attribute):
            self._eval(target.value, state)
            self._use(val, f"stored in attribute '{target.attr.value}'", FateKind.STORED)

    def _augment(self, target: cst.BaseExpression, val: Val, state: State) -> None:
        if isinstance(target, cst.Name):
            old = state.get(target.value, NOTHING)
            self._bind(state, target.value, Val(old.sites | self._all_sites(val)))
        else:
            self._assign_target(target, val, state)

    def _store_into(self, container: cst.BaseExpression, val: Val, state: State) -> None:
        """``container[k] = val`` or ``container.append(val)``."""
        if not self._all_sites(val):
            return
        base = container
        while isinstance(base, cst.Subscript):
            base = base.value
        if isinstance(base, cst.Name) and self._is_local_container(base.value):
            old = state.get(base.value, NOTHING)
            self._bind(state, base.value, Val(old.sites | self._all_sites(val)))
        elif isinstance(base, cst.Name) and base.value in self._elements_of:
            # ``for g, acc in zip(grads, accumulated): acc.append(g)``: the element is a list
            # this function built, so the gradients stay in ``accumulated``.
            for owner in self._elements_of[base.value]:
                old = state.get(owner, NOTHING)
                self._bind(state, owner, Val(old.sites | self._all_sites(val)))
        else:
            what = dotted_name(base) or "a container"
            self._use(val, f"stored in '{what}'", FateKind.STORED)

    # ----------------------------------------------------------------- expressions
    def _eval(self, expr: cst.CSTNode | None, state: State) -> Val:
        if expr is None:
            return NOTHING
        if isinstance(expr, cst.Name):
            val = state.get(expr.value, NOTHING)
            if self.recording and val:
                self._recorded_by_other_tape(val, expr)
            return val
        if isinstance(expr, cst.Call):
            return self._call(expr, state)
        if isinstance(expr, cst.Attribute):
            return Val(self._all_sites(self._eval(expr.value, state)))
        if isinstance(expr, cst.Subscript):
            base = self._eval(expr.value, state)
            self._eval_slices(expr, state)
            index = _constant_index(expr)
            if (
                base.parts is not None
                and index is not None
                and -len(base.parts) <= index < len(base.parts)
            ):
                return base.parts[index]
            return Val(self._all_sites(base))
        if isinstance(expr, cst.Tuple | cst.List):
            parts = []
            starred = False
            for element in expr.elements:
                parts.append(self._eval(element.value, state))
                starred = starred or isinstance(element, cst.StarredElement)
            sites = frozenset().union(*(self._all_sites(p) for p in parts)) if parts else EMPTY
            return Val(sites, None if starred else tuple(parts))
        if isinstance(expr, cst.Set):
            return self._union(self._eval(e.value, state) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            vals = []
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    vals.append(self._eval(element.key, state))
                vals.append(self._eval(element.value, state))
            return self._union(vals)
        if isinstance(expr, cst.BinaryOperation):
            left = self._eval(expr.left, state)
            right = self._eval(expr.right, state)
            if isinstance(expr.operator, cst.Modulo) and isinstance(
                expr.left, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
            ):
                return NOTHING  # "%s" % grads: string formatting only observes
            return self._union((left, right))
        if isinstance(expr, cst.UnaryOperation):
            return Val(self._all_sites(self._eval(expr.expression, state)))
        if isinstance(expr, cst.BooleanOperation):
            return self._union((self._eval(expr.left, state), self._eval(expr.right, state)))
        if isinstance(expr, cst.Comparison):
            self._eval(expr.left, state)
            for comp in expr.comparisons:
                self._eval(comp.comparator, state)
            return NOTHING
        if isinstance(expr, cst.IfExp):
            self._eval(expr.test, state)
            return self._union((self._eval(expr.body, state), self._eval(expr.orelse, state)))
        if isinstance(expr, cst.NamedExpr):
            val = self._eval(expr.value, state)
            self._assign_target(expr.target, val, state)
            return val
        if isinstance(expr, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            return self._comprehension(expr, state)
        if isinstance(expr, cst.Lambda):
            self._closure(expr, state, "a lambda")
            return NOTHING
        if isinstance(expr, cst.Await):
            return self._eval(expr.expression, state)
        if isinstance(expr, cst.Yield):
            value = expr.value
            if isinstance(value, cst.From):
                value = value.item
            self._use(self._eval(value, state), "yielded", FateKind.RETURNED)
            return NOTHING
        if isinstance(expr, cst.StarredElement):
            return self._eval(expr.value, state)
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self._eval(part.expression, state)
            return NOTHING
        if isinstance(expr, cst.Slice):
            for piece in (expr.lower, expr.upper, expr.step):
                self._eval(piece, state)
            return NOTHING
        return NOTHING

    def _eval_slices(self, node: cst.Subscript, state: State) -> None:
        for element in node.slice:
            inner = element.slice
            if isinstance(inner, cst.Index):
                self._eval(inner.value, state)
            else:
                self._eval(inner, state)

    def _union(self, vals: Iterable[Val]) -> Val:
        sites: set[int] = set()
        for val in vals:
            sites |= self._all_sites(val)
        return Val(frozenset(sites))

    def _comprehension(self, expr: cst.BaseComp, state: State) -> Val:
        inner = dict(state)
        sites: set[int] = set()
        clause = expr.for_in
        while clause is not None:
            # The iterable flows into the result only through the targets: the norms in
            # ``[tf.norm(g) for g in grads]`` are not the gradients.
            iterable = self._eval(clause.iter, inner)
            self._assign_target(clause.target, Val(self._all_sites(iterable)), inner)
            for cond in clause.ifs:
                self._eval(cond.test, inner)
            clause = clause.inner_for_in
        if isinstance(expr, cst.DictComp):
            sites |= self._all_sites(self._eval(expr.key, inner))
            sites |= self._all_sites(self._eval(expr.value, inner))
        else:
            sites |= self._all_sites(self._eval(expr.elt, inner))
        return Val(frozenset(sites))

    def _mentioned(self, nodes: Iterable[cst.CSTNode], state: State) -> Val:
        """Every gradient value an expression reads, whatever it derives from them: an
        assertion about ``all(g is not None for g in grads)`` checks the gradients."""
        return self._union(state[name] for name in _reads(nodes) if name in state)

    def _closure(self, node: cst.CSTNode, state: State, what: str) -> None:
        """A nested function or lambda that mentions a gradient value may do anything with it."""
        tainted = {name for name, val in state.items() if self._all_sites(val)}
        if not tainted:
            return
        # Only the names it reads from *this* scope: a function that binds ``grads`` itself
        # has its own ``grads``, whatever the enclosing code called its gradients.
        for name in free_names(node) & tainted:
            self._use(state[name], f"used in {what}", FateKind.PASSED)

    # ----------------------------------------------------------------- calls
    def _call(self, call: cst.Call, state: State) -> Val:
        val = self._call_effects(call, state)
        known = self.table.results.get(call)
        if known is None:
            return val
        return known if not val else Val(val.sites | self._all_sites(known))

    def _call_effects(self, call: cst.Call, state: State) -> Val:
        site = self.table.ids.get(call)
        func = call.func
        receiver = NOTHING
        if isinstance(func, cst.Attribute):
            receiver = self._eval(func.value, state)
        elif not isinstance(func, cst.Name):
            receiver = self._eval(func, state)
        args = [self._eval(arg.value, state) for arg in call.args]
        if site is None and isinstance(func, cst.Name):
            callee = state.get(func.value, NOTHING)
            if callee:
                # A gradient function (``grad = tfe.implicit_gradients(loss_fn)``) is called
                # for its gradients: the call's value is the function's gradients.
                self._use(self._union(args), f"passed to {func.value}()", FateKind.PASSED)
                return Val(self._all_sites(callee))
        if site is not None:
            if site in self.table.graph:
                for val in (receiver, *args):
                    self._use(val, "differentiated again (higher-order)", FateKind.RECORDED)
            parts = self.table.parts.get(site)
            if parts:
                return Val(frozenset(parts), tuple(Val(frozenset({p})) for p in parts))
            return Val(frozenset({site}))
        arg_val = self._union(args)
        if not arg_val and not receiver:
            mentioned = self._mentioned(call.args, state) if call.args else NOTHING
            if mentioned and self._classify(call)[0] == "assert":
                self._use(mentioned, "asserted", FateKind.ASSERTED)
            return NOTHING
        kind, label = self._classify(call)
        if kind == "update" and label in self.vocabulary.buffer_methods:
            buffer = buffer_store(self.ctx, call, self.scope)
            if buffer is not None:
                # A copy into a gradient buffer is a use only if the buffer is read again.
                if buffer.read_elsewhere:
                    self._use(arg_val, f"stored in buffer '{buffer.name}'", FateKind.STORED)
                return NOTHING
        if kind == "update":
            self._use(arg_val, f"applied by {label}", FateKind.APPLIED)
            self._use(receiver, f"applied by {label}", FateKind.APPLIED)
            return NOTHING
        if kind == "observe":
            return NOTHING
        if kind == "assert":
            self._use(arg_val, "asserted", FateKind.ASSERTED)
            self._use(self._mentioned(call.args, state), "asserted", FateKind.ASSERTED)
            return NOTHING
        if kind == "pure":
            if label == "clip_by_global_norm" and args:
                return Val(arg_val.sites, (Val(self._all_sites(args[0])), NOTHING))
            return self._union((arg_val, receiver))
        if kind == "mutate":
            assert isinstance(func, cst.Attribute)
            self._store_into(func.value, arg_val, state)
            return NOTHING
        if kind == "helper":
            return self._helper_call(call, label, args, state)
        # Unknown: it may apply, store or return the gradients; assume it does.
        self._use(arg_val, f"passed to {label}", FateKind.PASSED)
        if receiver and isinstance(func, cst.Attribute):
            return Val(self._all_sites(receiver))
        return NOTHING

    def _classify(self, call: cst.Call) -> tuple[str, str]:
        func = call.func
        imports = self.ctx.imports
        if isinstance(func, cst.Name):
            name = func.value
            qualified = imports.qualify(func) or name
            if name in self.helpers.functions and name not in imports.aliases:
                return "helper", name
            if name in OBSERVER_BUILTINS and name not in self.assigned:
                return "observe", name
            if name in VALUE_BUILTINS and name not in self.assigned:
                return "pure", name
            kind, label = self._classify_qualified(qualified, name)
            if kind == "unknown" and name not in self.assigned and self.helpers.foreign(name):
                return "helper", name
            return kind, label
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            owner = dotted_name(func.value)
            # A helper of the class is read before its name is trusted: a
            # ``self._apply_gradients(...)`` whose update was deleted applies nothing.
            if owner == "self" and self.helpers.resolve(f"self.{method}", self.scope):
                return "helper", f"self.{method}"
            if self.vocabulary.update_method.match(method):
                return "update", method
            if method.startswith("assert") or method in {"fail", "expectEqual"}:
                return "assert", method
            if owner and (owner.startswith("np.testing") or owner.endswith(".testing")):
                return "assert", method
            if method == "format" and isinstance(
                func.value, cst.SimpleString | cst.ConcatenatedString
            ):
                return "observe", "str.format"
            if owner is not None:
                qualified = imports.qualify(func)
                if qualified is not None:
                    kind, label = self._classify_qualified(qualified, method)
                    if kind != "unknown":
                        return kind, label
                dotted = f"{owner}.{method}"
                if owner.split(".")[0] not in self.assigned and self.helpers.foreign(dotted):
                    return "helper", dotted
                if LOGGER_NAME.search(owner) and method in LOG_METHODS:
                    return "observe", f"{owner}.{method}"
                if owner in self.helpers.classes_or_modules_logging:
                    return "observe", f"{owner}.{method}"
            if method in CONTAINER_MUTATORS:
                return "mutate", method
            if method in VALUE_METHODS:
                return "pure", method
            return "unknown", f"{dotted_name(func) or method}()"
        return "unknown", "a call"

    def _classify_qualified(self, qualified: str, label: str) -> tuple[str, str]:
        short = qualified.rsplit(".", 1)[-1]
        vocabulary = self.vocabulary
        root = vocabulary.root_module + "."
        if qualified.startswith("logging.") or qualified.startswith("absl.logging."):
            return "observe", qualified
        if qualified in KNOWN_OBSERVERS:
            return "observe", qualified
        if qualified in KNOWN_PURE:
            return "pure", short
        if qualified.startswith(root):
            spelled = qualified.replace(root, vocabulary.short_name + ".", 1)
            if qualified in vocabulary.observers or qualified.startswith(
                vocabulary.observer_packages
            ):
                return "observe", spelled
            if short.startswith("assert"):
                return "assert", short
            if short.startswith(("clip_by_global_norm",)):
                return "pure", "clip_by_global_norm"
            segments = qualified.split(".")[1:-1]
            if vocabulary.update_method.match(short) or short in vocabulary.effectful_functions:
                return "unknown", spelled
            if any(seg in vocabulary.effectful_packages for seg in segments):
                return "unknown", spelled
            return "pure", short
        if qualified.startswith(PURE_MODULE_ROOTS):
            if ".testing." in qualified:
                return "assert", short
            return "pure", short
        return "unknown", f"{label}()"

    def _helper_call(self, call: cst.Call, label: str, args: list[Val], state: State) -> Val:
        helper = self.helpers.resolve(label, self.scope)
        summary: dict[str, str] | None = None
        params: list[str] = []
        if helper is None or self.depth >= self.MAX_HELPER_DEPTH or helper in self.helpers.active:
            pass
        elif isinstance(helper, Scope):
            summary = self.helpers.summary(self.ctx, helper, self.depth + 1)
            params = helper.params()
        else:
            foreign = self.helpers.foreign_summary(helper, self.depth + 1)
            if foreign is not None:
                summary, params = foreign.effects, list(foreign.params)
        if summary is None:
            self._use(self._union(args), f"passed to {label}()", FateKind.PASSED)
            return NOTHING
        if (
            params
            and params[0] in {"self", "cls"}
            and (
                label.startswith("self.")
                or (not isinstance(helper, Scope) and helper.kind == "method")
            )
        ):
            params = params[1:]
        result_sites: set[int] = set()
        positional = [(a, v) for a, v in zip(call.args, args, strict=True) if a.keyword is None]
        for i, (arg, val) in enumerate(positional):
            if arg.star:
                self._use(val, f"passed to {label}()", FateKind.PASSED)
                continue
            name = params[i] if i < len(params) else None
            self._apply_summary(summary, name, val, label, result_sites)
        for arg, val in zip(call.args, args, strict=True):
            if arg.keyword is not None:
                self._apply_summary(summary, arg.keyword.value, val, label, result_sites)
        return Val(frozenset(result_sites))

    def _apply_summary(
        self,
        summary: dict[str, str],
        param: str | None,
        val: Val,
        label: str,
        result_sites: set[int],
    ) -> None:
        if not self._all_sites(val):
            return
        effect = summary.get(param or "", "used") if param is not None else "used"
        if effect == "returned":
            result_sites |= self._all_sites(val)
        elif effect != "observed":
            # A summary says "observed", "returned" or "used": anything else is a use.
            self._use(val, f"passed to {label}()", FateKind.PASSED)


class HelperIndex:
    """Same-module functions and methods, and what each does with its parameters; with a
    ``project``, also the project's functions this module imports and its base classes'
    methods in other modules (:mod:`gradlint.analyzer.summaries`)."""

    def __init__(self, scopes: list[Scope], project: ProjectModule | None = None) -> None:
        self.project = project
        self.scopes = scopes
        self.functions: dict[str, Scope] = {}
        self.methods: dict[cst.ClassDef, dict[str, Scope]] = {}
        self.classes: dict[str, cst.ClassDef] = {}
        self.active: set[Scope] = set()
        self._summaries: dict[Scope, dict[str, str]] = {}
        self.classes_or_modules_logging: set[str] = set()
        #: Every top-level definition of a name (a notebook's later cell may redefine it).
        self._definitions: dict[str, list[Scope]] = {}
        #: (name, caller) -> the definition of a redefined name every run of caller sees.
        self._seen: dict[tuple[str, Scope], Scope | None] = {}
        for scope in scopes:
            if scope.is_module:
                continue
            if scope.parent is not None and scope.parent.is_module and scope.class_node is None:
                self.functions.setdefault(scope.name, scope)
                self._definitions.setdefault(scope.name, []).append(scope)
            elif scope.class_node is not None:
                self.methods.setdefault(scope.class_node, {}).setdefault(scope.name, scope)
                if scope.parent is not None and scope.parent.is_module:
                    self.classes.setdefault(scope.class_node.name.value, scope.class_node)

    def _class_of(self, scope: Scope) -> cst.ClassDef | None:
        for s in scope.chain():
            if s.class_node is not None:
                return s.class_node
        return None

    def methods_of(self, scope: Scope) -> dict[str, Scope]:
        cls = self._class_of(scope)
        return self.methods.get(cls, {}) if cls is not None else {}

    def resolve(self, label: str, scope: Scope) -> Scope | Target | None:
        """The helper a call label names: a scope of this module, a project function of
        another module (a :class:`~gradlint.analyzer.project.Target`), or None."""
        if label.startswith("self."):
            method = label[5:]
            cls = self._class_of(scope)
            if cls is None:
                return None
            return self._method(cls, method, 0)
        local = self.functions.get(label)
        if local is not None and len(self._definitions[label]) > 1:
            local = self._seen_definition(label, scope) or local
        return local if local is not None else self.foreign(label)

    def _seen_definition(self, name: str, caller: Scope) -> Scope | None:
        """Of a redefined function, the one every run of ``caller`` calls (None: unclear,
        or a module-level caller, whose statement is not known here)."""
        key = (name, caller)
        if key not in self._seen:
            self._seen[key] = self._find_seen_definition(name, caller)
        return self._seen[key]

    def _find_seen_definition(self, name: str, caller: Scope) -> Scope | None:
        module = next((s.node for s in self.scopes if s.is_module), None)
        if not isinstance(module, cst.Module) or caller.is_module:
            return None
        definitions = top_level_definitions(module, name)
        seen = next(
            (d for d in self._definitions[name] if sees_only(module, definitions, caller, d)),
            None,
        )
        if seen is None:
            node = definition_at_runs(module, definitions, caller)
            seen = next((d for d in self._definitions[name] if d.node is node), None)
        return seen

    def _method(self, cls: cst.ClassDef, method: str, depth: int) -> Scope | Target | None:
        """``method`` of ``cls`` or of a base class, in this module or another one."""
        own = self.methods.get(cls, {}).get(method)
        if own is not None or depth > 8:
            return own
        for base in cls.bases:
            name = dotted_name(base.value)
            local = self.classes.get(name or "")
            if local is not None and local is not cls:
                found = self._method(local, method, depth + 1)
                if found is not None:
                    return found
        if self.project is not None:
            return self.project.inherited(cls.name.value, method)
        return None

    def foreign(self, dotted: str) -> Target | None:
        """The project function that ``dotted`` (a name or ``module.function`` as spelled
        here) imports from another module."""
        if self.project is None:
            return None
        target = self.project.function(dotted)
        if target is None or target.path == self.project.index.path:
            return None
        return target

    def foreign_summary(self, target: Target, depth: int) -> FunctionSummary | None:
        assert self.project is not None
        return self.project.summary(target, depth)

    def summary(self, ctx: ModuleContext, helper: Scope, depth: int) -> dict[str, str]:
        """param -> "observed" | "returned" | "<why it is used>" for a same-module helper."""
        if helper in self._summaries:
            return self._summaries[helper]
        params = helper.params()
        seeds = {name: Val(frozenset({-(i + 1)})) for i, name in enumerate(params)}
        self.active.add(helper)
        try:
            analysis = FlowAnalysis(ctx, helper, SiteTable(), self, seeds=seeds, depth=depth)
            result = analysis.run()
        finally:
            self.active.discard(helper)
        summary: dict[str, str] = {}
        for i, name in enumerate(params):
            reason = result.used.get(-(i + 1))
            if reason is None:
                summary[name] = "observed"
            elif reason == "returned":
                summary[name] = "returned"
            else:
                summary[name] = "used"
        self._summaries[helper] = summary
        return summary


def free_names(node: cst.CSTNode) -> set[str]:
    """The names a function, lambda, class or comprehension reads from the scope around it.

    Python decides at compile time: a name a function binds anywhere in its body (a
    parameter, an assignment, a ``for`` target, an import) is local to it unless declared
    ``global``/``nonlocal``; a comprehension's targets are its own; a class body's names are
    invisible to its methods. Defaults, decorators, bases and a comprehension's first
    iterable are evaluated outside, so their names are read from the enclosing scope.
    """
    if isinstance(node, cst.FunctionDef):
        outside = _reads(node.decorators) | _reads(_param_defaults(node.params))
        local = _assigned_names_of(node.body, node.params)
        declared = _declared_outside(node.body)
        return outside | (_reads([node.body]) - (local - declared))
    if isinstance(node, cst.Lambda):
        outside = _reads(_param_defaults(node.params))
        return outside | (_reads([node.body]) - _param_names(node.params))
    if isinstance(node, cst.ClassDef):
        outside = _reads([*node.decorators, *node.bases, *node.keywords])
        local = _assigned_names_of(node.body, None)
        return outside | (_reads([node.body]) - (local - _declared_outside(node.body)))
    if isinstance(node, cst.BaseComp):
        clause = node.for_in
        outside = _reads([clause.iter])
        inner: list[cst.CSTNode] = []
        bound: set[str] = set()
        current: cst.CompFor | None = clause
        while current is not None:
            bound |= _target_names(current.target)
            if current is not clause:
                inner.append(current.iter)
            inner.extend(cond.test for cond in current.ifs)
            current = current.inner_for_in
        if isinstance(node, cst.DictComp):
            inner += [node.key, node.value]
        else:
            inner.append(node.elt)
        return outside | (_reads(inner) - bound)
    return _reads([node])


class _Reads(FastVisitor):
    """Names read by code, with nested scopes replaced by what *they* read from outside.
    Attribute names (``self.grads``) and keyword names (``f(grads=...)``) are not reads."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.walk(node.value)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walk(node.value)
        return False

    def _nested(self, node: cst.CSTNode) -> bool:
        self.names |= free_names(node)
        return False

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _nested
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _nested


def _reads(nodes: Iterable[cst.CSTNode | None]) -> set[str]:
    reads = _Reads()
    for node in nodes:
        if node is not None:
            reads.walk(node)
    return reads.names


def _param_defaults(params: cst.Parameters) -> list[cst.CSTNode]:
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return [p.default for p in every if p.default is not None]


def _param_names(params: cst.Parameters) -> set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def _assigned_names_of(body: cst.CSTNode, params: cst.Parameters | None) -> set[str]:
    collector = _AssignedNames(comprehension_targets=False)
    collector.walk(body)
    return collector.names | (_param_names(params) if params is not None else set())


class _Declarations(FastVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.names.update(n.name.value for n in node.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _declared_outside(body: cst.CSTNode) -> set[str]:
    declarations = _Declarations()
    declarations.walk(body)
    return declarations.names


def _target_names(target: cst.CSTNode) -> set[str]:
    collector = _AssignedNames()
    collector._targets(target)
    return collector.names


class _AssignedNames(FastVisitor):
    """Names a function binds itself (so they are locals, not globals or closures)."""

    def __init__(self, comprehension_targets: bool = True) -> None:
        self.names: set[str] = set()
        #: Targets of ``for`` statements: elements of what they iterate, aliases of storage
        #: that may outlive the scope (``for spec in self.specs: spec["gv"].append(g)``).
        self.loop_targets: set[str] = set()
        #: Whether a comprehension's ``for`` targets count (they are the comprehension's own
        #: scope in Python 3; counting them leans towards "local", which is safe for storage).
        self.comprehension_targets = comprehension_targets

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)
        self.loop_targets |= _target_names(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self.comprehension_targets:
            self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            name = dotted_name(node.name)
            if name:
                self.names.add(name.split(".")[0])

    def _targets(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._targets(target.value)


def assigned_names(scope: Scope) -> set[str]:
    collector = _AssignedNames()
    for stmt in scope.body():
        collector.walk(stmt)
    return collector.names | set(scope.params())


def loop_targets(scope: Scope) -> set[str]:
    """The names the scope's ``for`` statements bind (see :class:`_AssignedNames`)."""
    collector = _AssignedNames()
    for stmt in scope.body():
        collector.walk(stmt)
    return collector.loop_targets


def rebound_names(scope: Scope) -> set[str]:
    """The names the scope's own code binds (its parameters only where it rebinds them)."""
    collector = _AssignedNames()
    for stmt in scope.body():
        collector.walk(stmt)
    return collector.names


def _join(base: State, *others: State) -> State:
    merged = dict(base)
    for other in others:
        for name, val in other.items():
            old = merged.get(name)
            merged[name] = val if old is None else join_val(old, val)
    return merged


def join_val(a: Val, b: Val) -> Val:
    if a == b:
        return a
    if a.parts is not None and b.parts is not None and len(a.parts) == len(b.parts):
        return Val(
            a.sites | b.sites, tuple(join_val(x, y) for x, y in zip(a.parts, b.parts, strict=True))
        )
    return Val(a.sites | b.sites)


def _constant_index(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1:
        return None
    inner = node.slice[0].slice
    if not isinstance(inner, cst.Index):
        return None
    value = inner.value
    negative = False
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        negative, value = True, value.expression
    if isinstance(value, cst.Integer):
        number = int(value.value, 0)
        return -number if negative else number
    return None


class _SourceOrder(FastVisitor):
    """Numbers the names and calls of a scope's code in source order (nested functions
    included: a closure's read is ordered by where it is defined)."""

    def __init__(self, order: dict[cst.CSTNode, int]) -> None:
        self.order = order

    def visit_Name(self, node: cst.Name) -> None:
        self.order[node] = len(self.order)

    def visit_Call(self, node: cst.Call) -> None:
        self.order[node] = len(self.order)
