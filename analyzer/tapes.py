"""Finds ``tf.GradientTape`` objects and the ``tape.gradient``/``jacobian`` calls made on them.

A tape is a name bound by ``with GradientTape(...) as tape`` or ``tape = GradientTape(...)``,
and keeps being one when rebound through a wrapper (``tape = hvd.DistributedGradientTape(tape)``).
Tapes are visible in the scope that creates them and in functions nested inside it.

A function may also receive its tape: a parameter annotated with the tape class, or an
unannotated one named ``tape`` (``def _apply_loss(self, losses, variables, tape, optimizer)``
in tf_agents), or a name ``tape`` (``*_tape``) bound from a call's result, where a helper
that records the forward pass returns it (``out, tape = self._forward(x)``). Its
persistence is unknown and no ``with`` block of it is visible. Besides ``tape.gradient``, an
optimizer's ``compute_gradients(loss, var_list, tape=tape)`` (Keras optimizers, the
differentially private ones of tensorflow_privacy) asks a tape for gradients too; it returns
(gradient, variable) pairs.

Graph-mode code (TF1, estimators, Keras 2) has no tape at all: ``tf.gradients(ys, xs)``,
``optimizer.compute_gradients(loss, var_list)`` without a tape and Keras 2's
``optimizer.get_gradients(loss, params)`` build the gradients as graph ops, and a missing
``apply_gradients`` freezes the weights exactly as in eager code. Their value flow is the
same, so they are gradient sites too, on a *graph* pseudo-tape of their scope (no ``with``
block, nothing to record or to release: the tape rules GL003, GL006 and GL007 pass them by).
``compute_gradients(loss)`` without a ``var_list`` differentiates every trainable variable.

TF1's eager API (``tf.contrib.eager``) builds gradient *functions*: ``grad =
tfe.implicit_gradients(loss_fn)`` returns a function whose calls yield (gradient, variable)
pairs of every variable ``loss_fn`` touches. The factory call is the site (its value is the
function; calling it yields the gradients, see :mod:`gradlint.analyzer.dataflow`), so a loop
that lost its ``optimizer.apply_gradients(grad(x, y))`` leaves a gradient function nobody
applies. ``tfe.gradients_function`` differentiates with respect to the inputs, not the
weights, and is no site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.names import dotted_name, target_elements
from gradlint.analyzer.scopes import Scope, ShallowVisitor, build_scopes
from gradlint.analyzer.vocabulary import RAISES_CONTEXTS

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts

#: ``Optimizer`` as a word of a class name (``OptimizerV2``, ``LossScaleOptimizer``).
_OPTIMIZER_WORD = re.compile(r"Optimi[sz]er(?=[A-Z0-9_]|$)")
#: Packages whose ``gradients`` function is graph-mode differentiation.
GRAPH_GRADIENT_ROOTS = frozenset({"tensorflow", "keras"})


class Persistence(Enum):
    """Whether a tape may be asked for gradients more than once."""

    YES = "yes"  # persistent=True
    NO = "no"  # no persistence argument, or a literal persistent=False
    UNKNOWN = "unknown"  # a computed value, or arguments gradlint cannot read (*args)


@dataclass(eq=False)
class Tape:
    name: str
    scope: Scope
    #: The ``GradientTape(...)`` call, or None for a tape received as a parameter.
    creation: cst.Call | None
    persistent: Persistence
    #: Every ``with`` statement that records on this tape (usually one).
    with_nodes: list[cst.With] = field(default_factory=list)
    #: No tape at all: the graph-mode gradient calls of one scope (``tf.gradients``).
    graph: bool = False


@dataclass(eq=False)
class GradientSite:
    """One ``tape.gradient(target, sources)`` (or jacobian) call."""

    index: int
    call: cst.Call
    method: str
    tape: Tape
    scope: Scope
    target: cst.BaseExpression | None
    sources: cst.BaseExpression | None
    #: Inside ``with self.assertRaises(...)``/``pytest.raises``: the call is meant to fail.
    expects_error: bool = False
    #: The names the call's result is assigned to directly (``dw, db = tape.gradient(...)``).
    assigned_to: list[str] = field(default_factory=list)
    #: Index of the statement of ``scope``'s body that contains the call (execution order
    #: matters at module level: an optimizer created later is not in reach yet).
    statement_index: int = 0
    #: ``optimizer.compute_gradients(...)``: the result is (gradient, variable) pairs.
    pairs: bool = False
    #: ``compute_gradients(loss)`` without a ``var_list``: every trainable variable.
    all_trainable: bool = False
    #: The optimizer the call is made on (``optimizer.compute_gradients``), as written.
    optimizer: str | None = None
    #: ``tfe.implicit_gradients(loss_fn)``: the value is a function that yields the gradients.
    gradient_function: bool = False


@dataclass
class TapeIndex:
    scopes: list[Scope]
    tapes: list[Tape]
    sites: list[GradientSite]

    def sites_in(self, scope: Scope) -> list[GradientSite]:
        return [s for s in self.sites if s.scope is scope]


def persistence(creation: cst.Call) -> Persistence:
    """Read from the tape's construction: the arguments are read in order, and one that
    cannot be read (positional, ``*args``, ``**kwargs``) before ``persistent=`` leaves it
    unknown."""
    for arg in creation.args:
        if arg.star or arg.keyword is None:
            return Persistence.UNKNOWN
        if arg.keyword.value == "persistent":
            if isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"):
                return Persistence.YES if arg.value.value == "True" else Persistence.NO
            return Persistence.UNKNOWN
    return Persistence.NO


def build_tape_index(ctx: ModuleContext) -> TapeIndex:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.tapes`."""
    scopes = build_scopes(ctx.module)
    tapes: list[Tape] = []
    visible: dict[Scope, dict[str, Tape]] = {}
    sites: list[GradientSite] = []
    for scope in scopes:  # parents come before children
        inherited = dict(visible.get(scope.parent, {})) if scope.parent else {}
        for name in _tape_parameters(ctx, scope):
            tape = Tape(name, scope, None, Persistence.UNKNOWN)
            tapes.append(tape)
            inherited[name] = tape
        finder = _SiteFinder(ctx, scope, inherited, len(sites))
        for position, stmt in enumerate(scope.body()):
            finder.statement_index = position
            finder.walk(stmt)
        tapes.extend(finder.created)
        visible[scope] = finder.names
        sites.extend(finder.sites)
    return TapeIndex(scopes=scopes, tapes=tapes, sites=sites)


class _TapeFinder(ShallowVisitor):
    def __init__(self, ctx: ModuleContext, scope: Scope, inherited: dict[str, Tape]) -> None:
        self.ctx = ctx
        self.scope = scope
        self.names: dict[str, Tape] = inherited
        self.created: list[Tape] = []
        #: Spellings that can end a reference to the tape class (``T`` in
        #: ``from tensorflow import GradientTape as T``); checked before resolving names.
        tape_class = ctx.facts.vocabulary.tape_class
        self.gradient_methods = ctx.facts.vocabulary.gradient_methods
        self.pair_methods = ctx.facts.vocabulary.pair_gradient_methods
        self.optimizer_name = ctx.facts.vocabulary.optimizer_name
        self.tape_class_names = {tape_class} | {
            alias
            for alias, qualified in ctx.imports.aliases.items()
            if qualified.endswith(tape_class)
        }

    def _tape_from_value(self, value: cst.BaseExpression) -> Tape | None:
        if not isinstance(value, cst.Call):
            return None
        func = value.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if last in self.tape_class_names and self.ctx.imports.is_gradient_tape_class(func):
            tape = Tape("", self.scope, value, persistence(value))
            self.created.append(tape)
            return tape
        # A wrapper around an existing tape (Horovod's DistributedGradientTape and friends).
        for arg in value.args:
            if isinstance(arg.value, cst.Name) and arg.value.value in self.names:
                return self.names[arg.value.value]
            if isinstance(arg.value, cst.Call):
                inner = self._tape_from_value(arg.value)
                if inner is not None:
                    return inner
        return None

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            tape = None
            if isinstance(item.item, cst.Name) and item.item.value in self.names:
                tape = self.names[item.item.value]
            else:
                tape = self._tape_from_value(item.item)
            if tape is None:
                continue
            tape.with_nodes.append(node)
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                name = item.asname.name.value
                tape.name = tape.name or name
                self.names[name] = tape

    def visit_Assign(self, node: cst.Assign) -> None:
        tape = self._tape_from_value(node.value)
        if tape is None:
            self._returned_tapes(node)
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                tape.name = tape.name or name
                self.names[name] = tape

    def _returned_tapes(self, node: cst.Assign) -> None:
        """``model_out, tape = self._forward(x, training=True)``: a helper that records
        the forward pass hands its tape back. Like a parameter, only the name says it is a
        tape (``tape`` or ``*_tape``); its persistence is unknown."""
        if not isinstance(node.value, cst.Call):
            return
        for target in node.targets:
            for name in target_elements(target.target):
                if isinstance(name, cst.Name) and _named_like_a_tape(name.value):
                    tape = Tape(name.value, self.scope, None, Persistence.UNKNOWN)
                    self.created.append(tape)
                    self.names[name.value] = tape


def _named_like_a_tape(name: str) -> bool:
    return name == "tape" or name.endswith("_tape")


class _SiteFinder(_TapeFinder):
    """Finds tapes and, in the same walk, the gradient calls made on them (a tape is always
    created before the code that asks it for gradients)."""

    def __init__(
        self, ctx: ModuleContext, scope: Scope, inherited: dict[str, Tape], start: int
    ) -> None:
        super().__init__(ctx, scope, inherited)
        self.tapes = self.names
        self.sites: list[GradientSite] = []
        self.start = start
        self.raises_depth = 0
        self.assigned_to: dict[cst.Call, list[str]] = {}
        self.statement_index = 0
        self._graph_tape: Tape | None = None
        self.graph_methods = ctx.facts.vocabulary.graph_gradient_methods
        self.implicit_factories = ctx.facts.vocabulary.implicit_gradient_factories

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if isinstance(node.value, cst.Call) and len(node.targets) == 1:
            target = node.targets[0].target
            elements = target.elements if isinstance(target, cst.Tuple | cst.List) else [target]
            names = [getattr(e, "value", e) for e in elements]
            self.assigned_to[node.value] = [n.value for n in names if isinstance(n, cst.Name)]

    def visit_With(self, node: cst.With) -> None:
        super().visit_With(node)
        if any(_is_raises_context(item.item) for item in node.items):
            self.raises_depth += 1

    def leave_With(self, original_node: cst.With) -> None:
        if any(_is_raises_context(item.item) for item in original_node.items):
            self.raises_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        receiver = ""
        if isinstance(func, cst.Attribute):
            receiver = dotted_name(func.value) or ""
        on_optimizer = (
            bool(receiver) and bool(self.optimizer_name.search(receiver.rsplit(".", 1)[-1]))
        ) or (receiver == "self" and self._in_optimizer_class())
        if receiver == "self" and func.attr.value == "_compute_gradients" and on_optimizer:
            # Keras' ``OptimizerV2.minimize``: its private half of compute_gradients.
            self._pair_site(node, receiver)
            return
        if on_optimizer and func.attr.value in self.pair_methods:
            self._pair_site(node, receiver)
            return
        if on_optimizer and func.attr.value in self.graph_methods:
            target, sources = _arguments(node, ("loss", "params"))
            self._add_site(node, "gradient", self._graph(), target, sources, optimizer=receiver)
            return
        if self._is_graph_gradients(func):
            target, sources = _arguments(node, ("ys", "xs"))
            self._add_site(node, "gradient", self._graph(), target, sources)
            return
        if self._is_implicit_factory(func, receiver):
            # No target: the argument is the loss *function*, not a loss value.
            self._add_site(
                node,
                "gradient",
                self._graph(),
                None,
                None,
                pairs=True,
                all_trainable=True,
                gradient_function=True,
            )
            return
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in self.gradient_methods
            and isinstance(func.value, cst.Name)
            and func.value.value in self.tapes
        ):
            return
        target, sources = _arguments(node, ("target", "sources"))
        self._add_site(node, func.attr.value, self.tapes[func.value.value], target, sources)

    def _in_optimizer_class(self) -> bool:
        """``self.compute_gradients(loss, var_list, tape)`` in a method of an optimizer
        class (its own ``minimize``)."""
        cls = next((s.class_node for s in self.scope.chain() if s.class_node is not None), None)
        return cls is not None and named_like_an_optimizer_class(cls)

    def _is_graph_gradients(self, func: cst.BaseExpression) -> bool:
        """``tf.gradients``, ``tf.compat.v1.gradients``, ``keras.backend.gradients``."""
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last != "gradients":
            return False
        qualified = self.ctx.imports.qualify(func) or ""
        return qualified.split(".", 1)[0] in GRAPH_GRADIENT_ROOTS and qualified != "gradients"

    def _is_implicit_factory(self, func: cst.BaseExpression, receiver: str) -> bool:
        """``tfe.implicit_gradients``, ``tf.contrib.eager.implicit_value_and_gradients``."""
        if not (isinstance(func, cst.Attribute) and func.attr.value in self.implicit_factories):
            return False
        qualified = self.ctx.imports.qualify(func) or ""
        return receiver.rsplit(".", 1)[-1] in ("tfe", "eager") or ".eager." in qualified

    def _graph(self) -> Tape:
        if self._graph_tape is None:
            self._graph_tape = Tape("", self.scope, None, Persistence.YES, graph=True)
            self.created.append(self._graph_tape)
        return self._graph_tape

    def _pair_site(self, node: cst.Call, receiver: str) -> None:
        """``optimizer.compute_gradients(loss, var_list, tape)``: on a tape in sight, that
        tape's; without one (TF1 graph mode, or a tape gradlint cannot see) a graph site."""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        tape_arg = keywords.get("tape", keywords.get("gradient_tape"))
        if tape_arg is None and len(positional) > 2:
            tape_arg = positional[2]
        if isinstance(tape_arg, cst.Name) and tape_arg.value in self.tapes:
            tape = self.tapes[tape_arg.value]
        else:
            tape = self._graph()
        target = keywords.get("loss", positional[0] if positional else None)
        sources = keywords.get("var_list", positional[1] if len(positional) > 1 else None)
        implied = sources is None and not any(a.star for a in node.args)
        if isinstance(sources, cst.Name) and sources.value == "None":
            sources, implied = None, True
        self._add_site(
            node,
            "gradient",
            tape,
            target,
            sources,
            pairs=True,
            all_trainable=implied,
            optimizer=receiver,
        )

    def _add_site(
        self,
        node: cst.Call,
        method: str,
        tape: Tape,
        target: cst.BaseExpression | None,
        sources: cst.BaseExpression | None,
        pairs: bool = False,
        all_trainable: bool = False,
        optimizer: str | None = None,
        gradient_function: bool = False,
    ) -> None:
        self.sites.append(
            GradientSite(
                index=self.start + len(self.sites),
                call=node,
                method=method,
                tape=tape,
                scope=self.scope,
                target=target,
                sources=sources,
                expects_error=self.raises_depth > 0,
                assigned_to=self.assigned_to.get(node, []),
                statement_index=self.statement_index,
                pairs=pairs,
                all_trainable=all_trainable,
                optimizer=optimizer,
                gradient_function=gradient_function,
            )
        )


def named_like_an_optimizer_class(cls: cst.ClassDef) -> bool:
    """The class, or one of its bases, has the word Optimizer in its name."""
    names = [cls.name.value] + [dotted_name(b.value) or "" for b in cls.bases]
    return any(_OPTIMIZER_WORD.search(name.rsplit(".", 1)[-1]) for name in names)


def _arguments(
    node: cst.Call, names: tuple[str, str]
) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None]:
    """The target and the sources of a gradient call, by position or by keyword."""
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    target = keywords.get(names[0], positional[0] if positional else None)
    sources = keywords.get(names[1], positional[1] if len(positional) > 1 else None)
    return target, sources


def _tape_parameters(ctx: ModuleContext, scope: Scope) -> list[str]:
    """Parameters of a function that hold a tape: annotated with the tape class, or named
    ``tape`` without an annotation (one naming another class is not a tape)."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return []
    names = []
    p = node.params
    for param in (*p.posonly_params, *p.params, *p.kwonly_params):
        annotation = param.annotation
        if annotation is None:
            if param.name.value == "tape":
                names.append(param.name.value)
        elif ctx.imports.is_gradient_tape_class(annotation.annotation):
            names.append(param.name.value)
    return names


def _is_raises_context(expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return name in RAISES_CONTEXTS


def repeated_gradient_calls(facts: Facts) -> list[tuple[GradientSite, GradientSite]]:
    """``(first, again)`` for each gradient call on a surely non-persistent tape that runs
    after an earlier call on the same tape, on every path, with no exit and no new ``with
    tape:`` recording between them, and not where a ``RuntimeError`` is expected."""
    from gradlint.analyzer.layout import catches_runtime_error

    by_tape: dict[int, list[GradientSite]] = {}
    for site in facts.tapes.sites:
        by_tape.setdefault(id(site.tape), []).append(site)
    found: list[tuple[GradientSite, GradientSite]] = []
    for sites in by_tape.values():
        if len(sites) < 2 or sites[0].tape.persistent is not Persistence.NO:
            continue
        placed = []
        for site in sites:
            layout = facts.layout(site.scope)
            where = layout.calls.get(site.call)
            if where is not None:
                placed.append((site, where, layout))
        placed.sort(key=lambda p: (p[1].seq, p[1].order))
        for i, (second, where2, layout) in enumerate(placed):
            if second.expects_error or catches_runtime_error(where2.chain):
                continue
            for first, where1, layout1 in placed[:i]:
                if layout1 is not layout or not where1.dominates(where2):
                    continue
                leaves = (
                    isinstance(where1.statement, cst.Return | cst.Raise)
                    and where1.statement is not where2.statement
                )
                if leaves or layout.exits_between(where1, where2):
                    continue
                if any(
                    where1.seq < span.start <= where2.seq
                    for node, span in layout.withs.items()
                    if node in first.tape.with_nodes
                ):
                    continue  # ``with tape:`` again between the calls starts a new recording
                found.append((first, second))
                break
    return found
