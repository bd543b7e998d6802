"""Did the tape record the forward pass? What each tape's ``with`` block recorded.

A tape only differentiates what ran inside its ``with`` block. For each ``tape.gradient(target,
sources)`` made after the block, this follows the target back through the statements of the
block and asks whether it depends on the *sources' owner* (``model`` for
``model.trainable_variables``, the variables themselves for ``[w, b]``):

- it does: the forward pass was recorded, nothing to say;
- it would, but every path passes through ``.numpy()``, a NumPy function, ``float()``/``int()``,
  ``model.predict`` or ``tf.stop_gradient``: the path is cut inside the tape;
- it does not, and a value it reads was computed from the model before the block: the forward
  pass ran before the tape started recording;
- the target itself is an expression, or is computed, after the block closed.

Every call gradlint cannot prove harmless (an unknown function, a lambda, a method of the
model) counts as a forward pass, so uncertainty always ends in silence, never in a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.layout import ScopeLayout, WithSpan
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, body_statements
from gradlint.analyzer.tapes import GradientSite
from gradlint.analyzer.training import ModuleFacts
from gradlint.analyzer.vocabulary import (
    CUT_BUILTINS,
    PATH_BUILTINS,
    PATH_METHODS,
    SAFE_BUILTIN_NAMES,
)
from gradlint.analyzer.walk import FastVisitor, children

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts


@dataclass(frozen=True)
class Info:
    """What a value inside the tape depends on."""

    #: May depend on the sources' owner through a recorded path.
    dep: bool = False
    #: Calls that cut a path from the owner to this value.
    cuts: tuple[cst.Call, ...] = ()
    #: Names read from outside the block (computed before it started recording).
    ext: frozenset[str] = frozenset()

    def join(self, other: Info) -> Info:
        if other is NONE:
            return self
        if self is NONE:
            return other
        cuts = self.cuts + tuple(c for c in other.cuts if c not in self.cuts)
        return Info(self.dep or other.dep, cuts, self.ext | other.ext)


NONE = Info()
UNKNOWN = Info(dep=True)


@dataclass
class ForwardProblem:
    """``kind``: ``"cut"`` (the path is cut inside the block), ``"before"`` (the forward pass
    ran before the block) or ``"after"`` (the target is computed after it)."""

    kind: str
    site: GradientSite
    #: ``"cut"``: the cutting call; else the statement or expression computed outside.
    node: cst.CSTNode
    with_span: WithSpan
    sources_text: str
    target_text: str
    #: ``"cut"``: every cutting call on the path.
    cuts: list[cst.Call] = field(default_factory=list)


def source_owners(
    ctx: ModuleContext, facts: ModuleFacts, expr: cst.BaseExpression | None, scope: Scope
) -> set[str] | None:
    """The dotted names whose use inside the tape makes the sources' value flow:
    ``model`` for ``model.trainable_variables``, ``w`` and ``b`` for ``[w, b]``, and every
    name bound to those. None when the sources cannot be read."""
    return _owners(ctx, facts, expr, scope, 0)


def _owners(ctx, facts, expr, scope, depth) -> set[str] | None:
    if expr is None or depth > 4:
        return None
    if isinstance(expr, cst.Attribute):
        name = dotted_name(expr)
        if expr.attr.value in facts.vocabulary.owner_attributes:
            owner = dotted_name(expr.value)
            return {owner} if owner else None
        return {name} if name else None
    if isinstance(expr, cst.Name):
        owners = {expr.value}
        for s in scope.chain():
            values = facts.bindings.get(s, {}).get(expr.value)
            if values:
                for value in values:
                    more = _owners(ctx, facts, value, s, depth + 1)
                    if more:
                        owners |= more
                break
        return owners
    if isinstance(expr, cst.List | cst.Tuple):
        owners: set[str] = set()
        for element in expr.elements:
            more = _owners(ctx, facts, element.value, scope, depth + 1)
            if more is None:
                return None
            owners |= more
        return owners or None
    if isinstance(expr, cst.BinaryOperation):
        left = _owners(ctx, facts, expr.left, scope, depth + 1)
        right = _owners(ctx, facts, expr.right, scope, depth + 1)
        return left | right if left and right else None
    if isinstance(expr, cst.Subscript):
        return _owners(ctx, facts, expr.value, scope, depth + 1)
    if isinstance(expr, cst.Call) and dotted_name(expr.func) in {"list", "tuple"} and expr.args:
        return _owners(ctx, facts, expr.args[0].value, scope, depth + 1)
    return None


def matches_owner(name: str | None, owners: set[str]) -> bool:
    return name is not None and any(name == o or name.startswith(o + ".") for o in owners)


class _Mentions(FastVisitor):
    def __init__(self, owners: set[str]) -> None:
        self.owners = owners
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted_name(node)
        if name is not None:
            self.found = self.found or matches_owner(name, self.owners)
            return False
        self.walk(node.value)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value in self.owners

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walk(node.value)
        return False


def mentions(node: cst.CSTNode, owners: set[str]) -> bool:
    finder = _Mentions(owners)
    finder.walk(node)
    return finder.found


class _Names(FastVisitor):
    """Names and dotted names read by an expression (keywords and attributes excluded)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted_name(node)
        if name is not None:
            self.names.add(name)
            self.names.add(name.split(".", 1)[0])
            return False
        self.walk(node.value)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walk(node.value)
        return False


def names_read(node: cst.CSTNode) -> set[str]:
    collector = _Names()
    collector.walk(node)
    return collector.names


class Callees:
    """What calls do to the gradient path: keep it, cut it, or cannot be known."""

    def __init__(self, ctx: ModuleContext, facts: ModuleFacts, scope: Scope) -> None:
        self.ctx = ctx
        self.facts = facts
        self.vocabulary = facts.vocabulary
        self.scope = scope
        self._pure_defs = ctx.facts.pure_definitions

    def _values(self, name: str) -> list[cst.BaseExpression] | None:
        for s in self.scope.chain():
            values = self.facts.bindings.get(s, {}).get(name)
            if values:
                return values
        return None

    def _shadowed(self, name: str) -> bool:
        imports = self.ctx.imports
        return (
            name in imports.aliases
            or name in imports.local_definitions
            or self._values(name) is not None
            or name in self.scope.params()
        )

    def is_loss_construction(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        qualified = self.ctx.imports.qualify(expr.func) or dotted_name(expr.func) or ""
        last = qualified.rsplit(".", 1)[-1]
        vocabulary = self.vocabulary
        return vocabulary.loss_package in f".{qualified}" or bool(
            vocabulary.loss_class.search(last)
        )

    def kind(self, call: cst.Call) -> str:
        """``"cut"``, ``"pure"`` (result derives from the arguments), ``"method"`` (from the
        receiver and arguments) or ``"unknown"``."""
        func = call.func
        vocabulary = self.vocabulary
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == vocabulary.to_numpy_method and not call.args:
                return "cut"
            if method in vocabulary.predict_methods and not self._defines_method(method):
                return "cut-predict"
        qualified = self.ctx.imports.qualify(func) if not isinstance(func, cst.Call) else None
        if qualified:
            root = qualified.split(".", 1)[0]
            if root == "numpy":
                return "cut"
            if root == vocabulary.root_module:
                parts = qualified.split(".")
                if parts[-1] == vocabulary.stop_gradient:
                    return "cut"
                if parts[-1] in vocabulary.opaque_functions:
                    return "unknown"
                if "keras" in parts:
                    after = parts[parts.index("keras") + 1 : -1]
                    pure = after and after[0] in vocabulary.keras_pure_packages
                    return "pure" if pure else "unknown"
                return "pure"
            if root in {"keras", "tf_keras"}:
                parts = qualified.split(".")
                pure = len(parts) > 2 and parts[1] in vocabulary.keras_pure_packages
                return "pure" if pure else "unknown"
            if root == "math" and "math" in self.ctx.imports.aliases:
                return "pure"
        if isinstance(func, cst.Call):
            return "pure" if self.is_loss_construction(func) else "unknown"
        if isinstance(func, cst.Name):
            name = func.value
            if name in CUT_BUILTINS and not self._shadowed(name):
                return "cut"
            if name in PATH_BUILTINS and not self._shadowed(name):
                return "pure"
            values = self._values(name)
            if values is not None:
                if all(self.is_loss_construction(v) for v in values):
                    return "pure"
                return "unknown"
            if name in self.ctx.imports.local_definitions and self._pure_def(name, 0):
                return "pure"
            if vocabulary.loss_name.match(name) and name in self.scope.params():
                return "pure"
            return "unknown"
        if isinstance(func, cst.Attribute):
            owner = dotted_name(func.value)
            if owner == "self" and vocabulary.loss_name.match(func.attr.value):
                return "pure"
            if func.attr.value in PATH_METHODS:
                return "method"
        return "unknown"

    def _defines_method(self, method: str) -> bool:
        """Whether the file defines its own ``predict`` (a model class of its own, whose
        ``predict`` may well be differentiable): then ``x.predict`` is not Keras'."""
        return re.search(rf"\bdef\s+{method}\b", self.ctx.unit.text) is not None

    def _pure_def(self, name: str, depth: int) -> bool:
        """A module-level function that reads only its parameters, its locals, imported
        modules and builtins (a loss written as a function)."""
        if name in self._pure_defs:
            return self._pure_defs[name]
        self._pure_defs[name] = False  # recursion guard
        node = next(
            (
                stmt
                for stmt in self.ctx.module.body
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name
            ),
            None,
        )
        result = node is not None and depth < 3 and self._reads_only_locals(node, depth)
        self._pure_defs[name] = result
        return result

    def _reads_only_locals(self, node: cst.FunctionDef, depth: int) -> bool:
        collector = _LocalNames()
        collector.walk(node.body)
        params = node.params
        allowed = {
            p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        }
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                allowed.add(star.name.value)
        allowed |= collector.bound | set(self.ctx.imports.aliases) | SAFE_BUILTIN_NAMES
        allowed |= {"tf", "np"}
        if collector.escapes:
            return False
        for read in collector.read - allowed:
            if read in self.ctx.imports.local_definitions and self._pure_def(read, depth + 1):
                continue
            return False
        return True


class _LocalNames(FastVisitor):
    def __init__(self) -> None:
        self.read: set[str] = set()
        self.bound: set[str] = set()
        self.escapes = False

    def visit_Name(self, node: cst.Name) -> None:
        self.read.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.walk(node.value)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walk(node.value)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.bound |= names_read(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.bound |= names_read(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.bound |= names_read(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        self.escapes = True

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.escapes = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bound.add(node.name.value)
        self.escapes = True  # a closure: too much to follow
        return False


State = dict[str, Info]


class _Recorder:
    """Runs the statements of a tape's ``with`` block over :class:`Info` values."""

    def __init__(self, owners: set[str], callees: Callees) -> None:
        self.owners = owners
        self.callees = callees

    def outside(self, key: str) -> Info:
        if matches_owner(key, self.owners):
            return UNKNOWN
        return Info(ext=frozenset({key}))

    def lookup(self, key: str, state: State) -> Info:
        info = state.get(key)
        return info if info is not None else self.outside(key)

    # ------------------------------------------------------------------ statements
    def block(self, stmts, state: State) -> State:
        for stmt in stmts:
            state = self.stmt(stmt, state)
        return state

    def stmt(self, stmt: cst.CSTNode, state: State) -> State:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                self.small(small, state)
            return state
        if isinstance(stmt, cst.If):
            self.eval(stmt.test, state)
            body = self.block(body_statements(stmt), dict(state))
            if isinstance(stmt.orelse, cst.If):
                other = self.stmt(stmt.orelse, dict(state))
            elif isinstance(stmt.orelse, cst.Else):
                other = self.block(body_statements(stmt.orelse), dict(state))
            else:
                other = dict(state)
            return self.join(body, other)
        if isinstance(stmt, cst.For | cst.While):
            iterable = self.eval(stmt.iter, state) if isinstance(stmt, cst.For) else None
            if isinstance(stmt, cst.While):
                self.eval(stmt.test, state)
            current = dict(state)
            for _ in range(2):
                iteration = dict(current)
                if isinstance(stmt, cst.For) and iterable is not None:
                    self.bind(stmt.target, iterable, iteration)
                current = self.join(current, self.block(body_statements(stmt), iteration))
            if stmt.orelse is not None:
                current = self.block(body_statements(stmt.orelse), current)
            return current
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.eval(item.item, state)
                if item.asname is not None:
                    self.bind(item.asname.name, value, state)
            return self.block(body_statements(stmt), state)
        if isinstance(stmt, cst.Try | cst.TryStar):
            body = self.block(body_statements(stmt), dict(state))
            merged = self.join(state, body)
            outs = [body]
            for handler in stmt.handlers:
                outs.append(self.block(body_statements(handler), dict(merged)))
            if stmt.orelse is not None:
                outs.append(self.block(body_statements(stmt.orelse), dict(body)))
            final = merged
            for out in outs:
                final = self.join(final, out)
            if stmt.finalbody is not None:
                final = self.block(body_statements(stmt.finalbody), final)
            return final
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            state[stmt.name.value] = UNKNOWN
        return state

    def small(self, small: cst.CSTNode, state: State) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, state)
            for target in small.targets:
                self.bind(target.target, value, state)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.bind(small.target, self.eval(small.value, state), state)
        elif isinstance(small, cst.AugAssign):
            value = self.eval(small.value, state)
            key = dotted_name(small.target)
            if key is not None:
                state[key] = self.lookup(key, state).join(value)
            else:
                self.bind(small.target, value, state)
        elif isinstance(small, cst.Expr):
            value = small.value
            info = self.eval(value, state)
            # ``outputs.append(model(x))``: the container now holds what was passed in.
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                key = dotted_name(value.func.value)
                if key is not None and key not in self.owners:
                    state[key] = self.lookup(key, state).join(info)
        elif isinstance(small, cst.Return) and small.value is not None:
            self.eval(small.value, state)

    def bind(self, target: cst.BaseExpression, value: Info, state: State) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind(element.value, value, state)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, value, state)
        elif isinstance(target, cst.Subscript):
            key = dotted_name(target.value)
            if key is not None:
                state[key] = self.lookup(key, state).join(value)
        else:
            key = dotted_name(target)
            if key is not None:
                state[key] = value

    def join(self, a: State, b: State) -> State:
        merged = dict(a)
        for key, info in b.items():
            old = merged.get(key)
            merged[key] = info if old is info else (old or self.outside(key)).join(info)
        for key in a.keys() - b.keys():
            merged[key] = a[key].join(self.outside(key))
        return merged

    # ------------------------------------------------------------------ expressions
    def eval(self, expr: cst.CSTNode, state: State) -> Info:
        if isinstance(expr, cst.Name):
            return self.lookup(expr.value, state)
        if isinstance(expr, cst.Attribute):
            key = dotted_name(expr)
            if key is not None:
                if key in state:
                    return state[key]
                if matches_owner(key, self.owners):
                    return UNKNOWN
                root = key.split(".", 1)[0]
                if root in state:
                    return state[root]
                if any("." in owner and owner.split(".", 1)[0] == root for owner in self.owners):
                    # Another attribute of the object that holds the source variable may be a
                    # property computed from it (``self.alpha`` -> ``tf.exp(self.log_alpha)``).
                    return UNKNOWN
                return Info(ext=frozenset({key, root}))
            return self.eval(expr.value, state)
        if isinstance(expr, cst.Call):
            return self.call(expr, state)
        if isinstance(expr, cst.Lambda):
            return UNKNOWN
        if isinstance(expr, cst.Arg):
            return self.eval(expr.value, state)
        if isinstance(expr, cst.NamedExpr):
            value = self.eval(expr.value, state)
            self.bind(expr.target, value, state)
            return value
        result = NONE
        for child in children(expr):
            result = result.join(self.eval(child, state))
        return result

    def call(self, call: cst.Call, state: State) -> Info:
        func = call.func
        receiver = self.eval(func.value, state) if isinstance(func, cst.Attribute) else NONE
        args = NONE
        for arg in call.args:
            args = args.join(self.eval(arg.value, state))
        kind = self.callees.kind(call)
        if kind == "cut-predict":
            if (
                receiver.dep
                and isinstance(func, cst.Attribute)
                and mentions(func.value, self.owners)
            ):
                return Info(False, args.cuts + (call,), args.ext | receiver.ext)
            kind = "unknown"
        if kind == "cut":
            carried = args.join(receiver)
            if carried.dep:
                return Info(False, carried.cuts + (call,), carried.ext)
            return carried
        if kind == "pure":
            if isinstance(func, cst.Attribute) and mentions(func, self.owners):
                return UNKNOWN.join(args)
            return args
        if kind == "method":
            return receiver.join(args)
        func_info = receiver if isinstance(func, cst.Attribute) else self.eval(func, state)
        return UNKNOWN.join(args).join(func_info)


def analyze_recordings(ctx: ModuleContext, facts: Facts) -> list[ForwardProblem]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.recording_problems`."""
    index = facts.tapes
    problems: list[ForwardProblem] = []
    for site in index.sites:
        if site.expects_error or site.target is None or site.sources is None:
            continue
        if any(
            a.keyword is not None and a.keyword.value == "unconnected_gradients"
            for a in site.call.args
        ):
            continue
        if len(site.tape.with_nodes) != 1:
            continue
        layout = facts.layout(site.scope)
        span = layout.withs.get(site.tape.with_nodes[0])
        where = layout.calls.get(site.call)
        if span is None or where is None or span.contains(where) or where.seq <= span.end:
            continue
        owners = source_owners(ctx, facts.module, site.sources, site.scope)
        if not owners:
            continue
        problem = _check_site(ctx, facts.module, site, layout, span, owners)
        if problem is not None and not _test_expecting_none(ctx, site.scope):
            problems.append(problem)
    return problems


def _test_expecting_none(ctx: ModuleContext, scope: Scope) -> bool:
    """A unit test that mentions ``None``: it checks that a gradient *is* None (the point of
    many ``stop_gradient``/unconnected-gradient tests), so the cut is the subject."""
    test = next((s for s in scope.chain() if not s.is_module and s.name.startswith("test")), None)
    return test is not None and "None" in ctx.module.code_for_node(test.node)


def _check_site(ctx, facts, site, layout: ScopeLayout, span: WithSpan, owners: set[str]):
    callees = Callees(ctx, facts, site.scope)
    target = site.target
    sources_text = ctx.short_text(site.sources)
    target_text = ctx.short_text(target)

    def problem(kind: str, node: cst.CSTNode, cuts=()) -> ForwardProblem:
        return ForwardProblem(kind, site, node, span, sources_text, target_text, list(cuts))

    key = dotted_name(target)
    if key is None:
        if _unrecorded_operation(ctx, callees, target, owners, site.scope):
            return problem("after", target)
        return None
    where = layout.calls[site.call]
    later = layout.bindings_between(key, span.end, where.seq)
    if later:
        last = later[-1]
        if (
            all(b.where.chain == span.chain for b in later)
            and last.value is not None
            and _unrecorded_operation(ctx, callees, last.value, owners, site.scope)
            and _derived_from_block(layout, span, last.value, owners)
        ):
            return problem("after", last.where.statement)
        return None
    recorder = _Recorder(owners, callees)
    state = recorder.block(body_statements(span.node), {})
    info = recorder.eval(target, state)
    if info.dep:
        return None
    if info.cuts:
        return problem("cut", info.cuts[0], info.cuts)
    for name in sorted(info.ext):
        found = _forward_before(callees.vocabulary, layout, name, span.start, owners, 0)
        if found is not None:
            return problem("before", found)
    return None


def _derived_from_block(layout: ScopeLayout, span: WithSpan, value, owners) -> bool:
    if mentions(value, owners):
        return True
    return any(layout.bindings_between(n, span.start, span.end + 1) for n in names_read(value))


def _forward_before(
    vocabulary, layout: ScopeLayout, name: str, before: int, owners, depth: int
) -> cst.CSTNode | None:
    """The statement before the block that computed ``name`` from the model, if any."""
    if depth > 3:
        return None
    found = [b for b in layout.bindings.get(name, []) if b.where.seq < before]
    if not found or found[-1].value is None:
        return None
    binding = found[-1]
    if _forward_evidence(binding.value, owners, vocabulary):
        return binding.where.statement
    for read in sorted(names_read(binding.value)):
        if read != name:
            deeper = _forward_before(vocabulary, layout, read, binding.where.seq, owners, depth + 1)
            if deeper is not None:
                return deeper
    return None


class _Evidence(FastVisitor):
    """A model call (``model(x)``, ``model.predict(x)``), the model passed to a function, or
    a variable used in arithmetic."""

    def __init__(self, owners: set[str], forward_methods: frozenset[str]) -> None:
        self.owners = owners
        self.forward_methods = forward_methods
        self.found = False

    def _is_owner(self, node: cst.CSTNode) -> bool:
        name = dotted_name(node) if isinstance(node, cst.BaseExpression) else None
        return name is not None and name in self.owners

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        method_of_owner = (
            isinstance(func, cst.Attribute)
            and self._is_owner(func.value)
            and func.attr.value in self.forward_methods
        )
        if (
            self._is_owner(func)
            or method_of_owner
            or any(self._is_owner(arg.value) for arg in node.args)
        ):
            self.found = True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self._is_owner(node.left) or self._is_owner(node.right):
            self.found = True


def _forward_evidence(value: cst.CSTNode, owners: set[str], vocabulary) -> bool:
    finder = _Evidence(owners, vocabulary.forward_methods)
    finder.walk(value)
    return finder.found


def _unrecorded_operation(ctx, callees: Callees, expr, owners, scope: Scope) -> bool:
    """An expression that creates a new tensor from recorded ones (so, outside the tape, one
    the tape never saw): arithmetic, a TensorFlow op, a model call."""
    if isinstance(expr, cst.UnaryOperation):
        return not isinstance(expr.expression, cst.BaseNumber) and isinstance(
            expr.operator, cst.Minus | cst.Plus
        )
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo):
            return False
        for side in (expr.left, expr.right):
            if isinstance(side, cst.List | cst.Tuple | cst.ListComp | cst.BaseString):
                return False
            if isinstance(side, cst.Name) and _bound_to_list(callees, side.value):
                return False
        return True
    if isinstance(expr, cst.Call):
        func = expr.func
        qualified = ctx.imports.qualify(func) if not isinstance(func, cst.Call) else None
        vocabulary = callees.vocabulary
        if qualified and qualified.startswith(vocabulary.root_module + "."):
            parts = qualified.split(".")
            if (
                any(p in vocabulary.structural_functions for p in parts)
                or parts[-1] in vocabulary.opaque_functions
            ):
                return False
            if "keras" in parts:
                return False
            return parts[-1] != vocabulary.stop_gradient
        if isinstance(func, cst.Name) and func.value == "sum" and not callees._shadowed("sum"):
            return True
        if mentions(func, owners) and not isinstance(func, cst.Attribute):
            return True
        if isinstance(func, cst.Name) and any(mentions(a.value, owners) for a in expr.args):
            return True
    return False


def _bound_to_list(callees: Callees, name: str) -> bool:
    values = callees._values(name) or []
    return any(
        isinstance(v, cst.List | cst.Tuple | cst.ListComp)
        or (isinstance(v, cst.Call) and dotted_name(v.func) in {"list", "tuple"})
        for v in values
    )
