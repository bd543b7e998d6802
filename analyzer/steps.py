"""PyTorch's training steps: backward sites, optimizer steps, and whether a step consumes
the ``.grad`` each backward fills.

In PyTorch gradients are not values that flow: ``loss.backward()`` writes every parameter's
``.grad`` and ``optimizer.step()`` reads them. So the question "does the gradient reach an
update?" becomes "does a step of an optimizer over these parameters run on a path after the
backward?", answered on the same scopes and execution layouts (:mod:`gradlint.analyzer.layout`)
as the TensorFlow facts: a step later in the scope, anywhere in a loop around the backward
(the next iteration, or every k-th: gradient accumulation), in a same-module function called
after it, in the callers of the function that holds the backward, or in an LBFGS closure's
``opt.step(closure)``. An optimizer handed to a call gradlint cannot see may be stepped there,
and ``.grad`` read by the code itself (saliency, manual updates, gradients returned) is
consumed: a missed bug beats a false alarm.

Per optimizer: a loss computed from a model that has its own optimizer needs *that*
optimizer's step (the forgotten discriminator step of a GAN, where only the generator's
optimizer steps after ``d_loss.backward()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.layout import Where
from gradlint.analyzer.names import dotted_name, target_elements
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.torch_inspection import runs_before_any_optimizer
from gradlint.analyzer.vocabulary import Vocabulary
from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.facts import Facts

#: How deep callers and callees are followed within the module.
MAX_DEPTH = 4
#: The verb "optimize" in a name (not the noun "optimizer").
_OPTIMIZE_VERB = re.compile(r"optimi[sz](e|ed|es|ing|ation)(?!r)", re.IGNORECASE)
#: Bases whose subclasses are plain models or objects (anything else may be a framework
#: class whose own loop steps the optimizer: a Hugging Face ``Trainer``).
#: Bases whose class is no framework's: nothing outside the code calls its methods in a
#: loop that steps (an abstract base of shared test helpers, a ``unittest`` case).
#: ``self.optimizer``, ``self.optimizers()``: a name for the optimizer, no action on it.
_OPTIMIZER_NOUN = re.compile(r"_?(optimi[sz]ers?|opts?|optim)", re.IGNORECASE)
#: ``optimizer._gather_flat_grad()``, ``opt.get_grads()``: a method that hands out gradients.
_GATHERS_GRADIENTS = re.compile(r"(gather|flat|get|collect)\w*_?grad", re.IGNORECASE)
#: ``self.optimizer_class(params)``, ``build_optimizer(model)``: it makes an optimizer.
_BUILDS = re.compile(
    r"(class|cls|type|factory|builder|config|cfg|kwargs|args)$|"
    r"^_?(build|make|create|get|init|configure|setup|set|new)_",
    re.IGNORECASE,
)
#: The name of a function that runs the backward pass for its callers.
_BACKWARD_HELPER = re.compile(r"backward|(^|_)bwd(_|$)", re.IGNORECASE)
_PLAIN_BASES = frozenset(
    {
        "object",
        "Module",
        "nn.Module",
        "torch.nn.Module",
        "ABC",
        "abc.ABC",
        "TestCase",
        "unittest.TestCase",
        "Generic",
        "typing.Generic",
        "Protocol",
        "typing.Protocol",
    }
)


@dataclass(frozen=True, eq=False)
class BackwardSite:
    """A call that fills ``.grad`` by backpropagating a loss."""

    call: cst.Call
    scope: Scope
    #: "method" (``loss.backward()``), "owner" (``accelerator.backward(loss)``), "function"
    #: (``torch.autograd.backward(loss)``) or "manual_backward" (Lightning).
    form: str
    loss: cst.BaseExpression | None
    loss_text: str
    #: Dotted names the loss was computed from (models called, tensors), cut at ``.detach()``.
    models: frozenset[str]


@dataclass(frozen=True, eq=False)
class TorchOptimizer:
    """An optimizer built and bound to a name: ``opt = torch.optim.Adam(model.parameters())``."""

    key: str
    construction: cst.Call
    scope: Scope
    class_name: str
    params: cst.BaseExpression | None
    #: Models whose parameters it holds (``netD``, ``self.model``); empty when unknown.
    owners: frozenset[str]


@dataclass(frozen=True, eq=False)
class OptimizerStep:
    """Something that updates weights from ``.grad``."""

    node: cst.CSTNode
    scope: Scope
    #: The dotted text of the optimizer stepped (None for manual updates and engines).
    optimizer: str | None
    #: "step", "closure", "scaler", "function", "engine" or "manual".
    form: str


@dataclass(frozen=True, eq=False)
class Consumption:
    """Whether some step consumes a backward's ``.grad``, and why gradlint thinks so."""

    site: BackwardSite
    consumed: bool
    evidence: str
    #: The site is in a training step: an optimizer is in reach and it is not a test.
    intent: bool
    #: The optimizers over the models the loss was computed from.
    needed: tuple[TorchOptimizer, ...] = ()
    #: Steps after the backward that do not step ``needed`` (other optimizers').
    stepped: tuple[OptimizerStep, ...] = ()
    #: Steps after the backward that read no gradient of it, each with the ``zero_grad()``
    #: that empties their ``.grad`` on every path from the backward to them.
    cleared: tuple[tuple[OptimizerStep, cst.Call], ...] = ()
    #: A ``zero_grad()`` that empties the ``.grad`` on the next pass of the loop around the
    #: backward, a loop with no step in it, and that loop: only the last pass's gradients
    #: can reach a step after it.
    cleared_each_pass: tuple[cst.Call, cst.CSTNode] | None = None


@dataclass(eq=False)
class _ScopeInfo:
    """What one scope's own code does, read in one shallow walk."""

    scope: Scope
    backwards: list[BackwardSite] = field(default_factory=list)
    steps: list[OptimizerStep] = field(default_factory=list)
    #: Calls to other code, with what they may resolve to (callee name, receiver text).
    calls: list[tuple[cst.Call, str, str | None]] = field(default_factory=list)
    #: Calls that take an optimizer and are not known to leave it alone.
    optimizer_handoffs: list[cst.Call] = field(default_factory=list)
    #: Those of them whose result is bound back to the optimizer's own name
    #: (``model, optimizer, loader = engine.make_private(optimizer=optimizer, ...)``): the
    #: wrapped optimizer stays where it was.
    optimizer_wraps: set[cst.Call] = field(default_factory=set)
    #: ``x.grad`` reads that do more than look at the gradient.
    grad_reads: list[cst.CSTNode] = field(default_factory=list)
    #: Every ``x.grad`` read, also those that only look at it (``p.grad.abs()``, a norm).
    grad_mentions: list[cst.CSTNode] = field(default_factory=list)
    #: The small statement that holds each read (absent: a compound statement's header).
    read_statements: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    #: Names of optimizers mentioned (parameters, names, attributes, ``zero_grad`` receivers).
    optimizer_mentions: set[str] = field(default_factory=set)
    #: Names used as values, not called (a closure handed to ``opt.step(closure)``).
    value_names: dict[str, cst.CSTNode] = field(default_factory=dict)
    #: ``X.zero_grad()`` calls, with the receiver ``X`` (an optimizer or a model).
    clears: list[tuple[cst.Call, str]] = field(default_factory=list)
    returns_value: bool = False
    #: Dotted names that ``return`` statements hand back (in any part of the value).
    returned: set[str] = field(default_factory=set)


class StepIndex:
    """Every backward, step and optimizer of one file; see the module docstring."""

    def __init__(self, ctx: ModuleContext, facts: Facts, vocabulary: Vocabulary) -> None:
        self.ctx = ctx
        self.facts = facts
        self.vocabulary = vocabulary
        self.scopes = facts.tapes.scopes
        self.info: dict[Scope, _ScopeInfo] = {}
        self.optimizers: list[TorchOptimizer] = []
        self._aliases: dict[str, str] | None = None
        for scope in self.scopes:
            self.info[scope] = self._read(scope)
        self.backward_sites = [b for s in self.scopes for b in self.info[s].backwards]
        self.steps = [st for s in self.scopes for st in self.info[s].steps]
        self._functions: dict[str, list[Scope]] = {}
        self._methods: dict[tuple[cst.ClassDef, str], Scope] = {}
        self._helper_clears: dict[Scope, list[tuple[cst.Call, str]]] = {}
        for scope in self.scopes:
            if scope.is_module:
                continue
            if scope.class_node is not None:
                self._methods[(scope.class_node, scope.name)] = scope
            else:
                self._functions.setdefault(scope.name, []).append(scope)
        self._consumption: dict[BackwardSite, Consumption] = {}
        #: The steps found cleared while one consumption is worked out (with the clearing).
        self._clearings: list[tuple[OptimizerStep, cst.Call]] = []
        self._callers: dict[Scope, list[tuple[Scope, cst.Call]]] | None = None
        self._callees: dict[Scope, dict[cst.Call, list[Scope]]] = {}
        self._orphans: frozenset[str] | None = None

    # ------------------------------------------------------------------ reading
    def _read(self, scope: Scope) -> _ScopeInfo:
        info = _ScopeInfo(scope)
        reader = _ScopeReader(self, info)
        walk_scope(scope, reader)
        for name in scope.params():
            if self.vocabulary.optimizer_name.search(name):
                info.optimizer_mentions.add(name)
        for node, receiver in reader.unknown_steps:
            # ``m.step()`` where the code also names ``m.optimizer`` (DeepSpeed's engines,
            # a trainer object): the object holds an optimizer, and its step steps it.
            if any(name.startswith(receiver + ".") for name in info.optimizer_mentions):
                info.steps.append(OptimizerStep(node, scope, None, "engine"))
        return info

    def optimizers_named(self, key: str) -> list[TorchOptimizer]:
        return [o for o in self.optimizers if o.key == key]

    def is_optimizer_class(self, func: cst.BaseExpression) -> str | None:
        """The class name when ``func`` names a PyTorch (or well-known) optimizer class."""
        name = dotted_name(func)
        if name is None:
            return None
        qualified = self.ctx.imports.qualify(func) or name
        last = qualified.rsplit(".", 1)[-1]
        if last in self.vocabulary.optimizer_classes:
            return last
        if (
            qualified.startswith("torch.optim.")
            and last[:1].isupper()
            and not last.endswith(("LR", "Scheduler"))
            and ".lr_scheduler." not in qualified
        ):
            return last
        if isinstance(func, cst.Name) and "optim" in func.value.lower():
            return self._optimizer_class_aliases().get(func.value)
        return None

    def _optimizer_class_aliases(self) -> dict[str, str]:
        """Names the module binds only to optimizer classes (Hugging Face scripts:
        ``optimizer_class = bnb.optim.AdamW8bit if args.use_8bit_adam else
        torch.optim.AdamW``), each with one class it names; read once per module."""
        if self._aliases is None:
            finder = _ClassAliases()
            finder.walk(self.ctx.module)
            aliases: dict[str, str] = {}
            for name, values in finder.values.items():
                classes = [self._class_of(value) for value in values]
                if classes and all(classes):
                    aliases[name] = classes[-1]  # type: ignore[assignment]
            self._aliases = aliases
        return self._aliases

    def _class_of(self, value: cst.BaseExpression) -> str | None:
        if isinstance(value, cst.IfExp):
            body, orelse = self._class_of(value.body), self._class_of(value.orelse)
            return body if body and orelse else None
        if isinstance(value, cst.Name | cst.Attribute) and not (
            isinstance(value, cst.Name) and "optim" in value.value.lower()
        ):
            return self.is_optimizer_class(value)
        return None

    def is_optimizer_text(self, text: str) -> bool:
        # ``optimize_memory_usage``, ``params_to_optimize``, ``optimization_steps`` name what
        # is optimized or how, not an optimizer: the verb's forms are left out first.
        last = _OPTIMIZE_VERB.sub("", text.rsplit(".", 1)[-1])
        return bool(self.vocabulary.optimizer_name.search(last)) or bool(
            self.optimizers_named(text)
        )

    # ------------------------------------------------------------------ consumption
    def consumption(self, site: BackwardSite) -> Consumption:
        result = self._consumption.get(site)
        if result is None:
            result = self._consumption[site] = self._consume(site)
        return result

    def needed(self, site: BackwardSite) -> tuple[TorchOptimizer, ...]:
        if not site.models or self._computed_by_own_code(site):
            return ()
        return tuple(
            o for o in self.optimizers if any(_related(owner, site.models) for owner in o.owners)
        )

    def _computed_by_own_code(self, site: BackwardSite) -> bool:
        """Whether the loss comes out of a method of the class or a function of the module
        (a WGAN's ``self.calculate_gradient_penalty(real.data, fake.data)``): its body may
        call any model, so which optimizers hold the loss's weights is not known."""
        functions = self._own_function_names(site.scope)
        return any(name in functions for name in site.models)

    def _own_function_names(self, scope: Scope) -> set[str]:
        names = {
            stmt.name.value for stmt in self.ctx.module.body if isinstance(stmt, cst.FunctionDef)
        }
        class_node = scope.class_node
        if class_node is not None:
            names |= {
                f"self.{stmt.name.value}"
                for stmt in class_node.body.body
                if isinstance(stmt, cst.FunctionDef)
            }
        return names

    def _consume(self, site: BackwardSite) -> Consumption:
        needed = self.needed(site)
        intent = self._intent(site.scope, 0, set()) and not runs_before_any_optimizer(self, site)
        info = self.info[site.scope]
        where = self.facts.layout(site.scope).calls.get(site.call)
        skipped: list[OptimizerStep] = []
        self._clearings = []
        found = self._after(site.scope, where, needed, skipped, 0, set())
        if found is None and self._probe_pass(site, needed):
            found = "a statistics pass: cleared before the backward that steps"
        parent = site.scope.parent
        top_level = parent is None or parent.is_module or site.scope.class_node is not None
        if found is None and site.scope.name in ("backward", "_backward") and top_level:
            # A loss wrapper's own ``backward()`` (Opacus): its caller steps, as after any
            # ``loss.backward()``. (A closure of that name inside a training function,
            # timm's ``_backward(loss)``, is read through its callers there, like any other.)
            found = "a backward() wrapper: its caller steps"
        if (
            found is None
            and top_level
            and _BACKWARD_HELPER.search(site.scope.name)
            and not self.callers.get(site.scope)
            and not self._keeps_its_optimizers(site.scope)
        ):
            # ``run_fwd_bwd(model, data, criterion)``, a test model's ``run_backward(loss)``:
            # a helper named for the backward pass that nothing in this file calls is
            # called from other modules, whose code steps after it.
            found = f"{site.scope.name}() is a backward helper called from other modules"
        if found is None and any(self._may_follow(site.scope, where, r) for r in info.grad_reads):
            found = "its .grad is read by the code"
        # optimizers only this function holds: no caller or framework loop can step them
        keeps = found is None and self._keeps_its_optimizers(site.scope)
        # A backward cleared before another one of its function is a statistics pass
        # (ghost clipping's per-sample norms, K-FAC): discarded on purpose, so only a lone
        # backward is held to having its gradients gone before the function returns, where
        # no caller, other method or framework loop can step them any more.
        gone = len(info.backwards) == 1 and self._cleared_before_return(site, where)
        if found is None and not (gone or (keeps and len(info.backwards) == 1)):
            found = self._through_callers(site.scope, needed, skipped, 0, {site.scope})
        if found is None and site.scope.class_node is not None and not gone:
            found = self._other_methods_step(site.scope, needed, skipped)
        if (
            found is None
            and site.form != "manual_backward"
            and not keeps
            and not gone
            and self._framework_hook(site.scope)
        ):
            found = "returned to a framework's loop that steps"
        cleared = tuple(dict.fromkeys(self._clearings))
        # Over the optimizers whose weights the loss reaches, also when own code computes
        # part of it (a gradient penalty): that code may reach more weights, not fewer.
        related = tuple(
            o for o in self.optimizers if any(_related(owner, site.models) for owner in o.owners)
        )
        each_pass = (
            self._cleared_each_pass(site, where, related)  # ``needed`` is a part of it
            if found is not None and where is not None
            else None
        )
        if each_pass is not None:
            return Consumption(
                site, False, "", intent, needed, tuple(dict.fromkeys(skipped)), cleared, each_pass
            )
        orphans = self._never_stepping(site, where, related) if found is not None else ()
        if found is not None and not orphans and where is not None:
            unknown = self._cleared_by_name_never_stepping(site, where)
            if not unknown:
                unknown = self._handed_out_and_cleared_unstepped(site, where, related)
            if unknown:
                related, orphans = unknown, tuple(o.key for o in unknown)
        if orphans:
            # Another optimizer over the same loss steps, but this one's weights never move.
            others = [s for s in self.info[site.scope].steps if s.optimizer not in orphans]
            return Consumption(
                site,
                False,
                "",
                intent,
                tuple(o for o in related if o.key in orphans),
                tuple(dict.fromkeys([*skipped, *others])),
                cleared,
            )
        return Consumption(
            site,
            found is not None,
            found or "",
            intent,
            needed,
            tuple(dict.fromkeys(skipped)),
            cleared,
        )

    def _never_stepping(
        self, site: BackwardSite, where: Where | None, needed: tuple[TorchOptimizer, ...]
    ) -> tuple[str, ...]:
        """The optimizers of ``needed`` that the module only builds and clears (no step, no
        other use that could step them: handed to a call, kept in a list, returned) and
        that are cleared for this backward: their ``zero_grad()`` comes before it with no
        other backward between. Two critics on one summed loss, an encoder and a generator
        on one loss: the other optimizer's step is no step of this one's weights. (A GAN's
        generator loss also reaches the discriminator, whose clearing served the
        discriminator's own backward before it: that backward is the one reported.)"""
        if len(needed) < 2 or where is None:
            return ()
        if self._orphans is None:
            self._orphans = _only_built_and_cleared(
                self.ctx.module, {o.key for o in self.optimizers}
            )
        keys = dict.fromkeys(o.key for o in needed)
        if len(keys) < 2:
            return ()
        return tuple(k for k in keys if k in self._orphans and self._cleared_for(site, where, k))

    def _cleared_by_name_never_stepping(
        self, site: BackwardSite, where: Where
    ) -> tuple[TorchOptimizer, ...]:
        """Optimizers whose construction gradlint does not recognise (``self.enc_opt_ =
        self.enc_opt_class(params)``), two or more cleared for this backward: the author
        meant this loss to update each of them. One that the module only builds and clears
        (never steps, hands on, or keeps in a list) while the function steps another of them
        itself has lost its step, as in :meth:`_never_stepping`. Its construction is the
        single assignment of a call to its name."""
        known = {o.key for o in self.optimizers}
        receivers = dict.fromkeys(
            receiver
            for _, receiver in self.info[site.scope].clears
            if receiver not in known and self.is_optimizer_text(receiver)
        )
        cleared = [k for k in receivers if self._cleared_for(site, where, k)]
        if len(cleared) < 2:
            return ()
        orphans = _only_built_and_cleared(self.ctx.module, set(cleared))
        stepped = {step.optimizer for step in self.info[site.scope].steps}
        if not orphans or not any(k in stepped for k in cleared if k not in orphans):
            return ()  # none orphaned, or no sibling steps here: a framework may step them all
        built = _constructions(self.ctx.module, orphans)
        return tuple(
            TorchOptimizer(k, built[k], site.scope, "optimizer", None, frozenset())
            for k in cleared
            if k in built
        )

    def _handed_out_and_cleared_unstepped(
        self, site: BackwardSite, where: Where, related: tuple[TorchOptimizer, ...]
    ) -> tuple[TorchOptimizer, ...]:
        """``backward(); step(); zero_grad()`` with the step lost. Lightning's manual
        optimization hands a step its optimizers (``opt_a, opt_b = self.optimizers()``),
        each stepped after its own backward, then cleared; a training script alternates
        two such blocks. An optimizer that this function never steps, and clears right
        after this backward (no other backward, exit or call that may step between), while
        another optimizer steps here, has lost its step: the clearing throws this
        backward's gradients away. It is one that ``self.optimizers()`` handed out and
        that the function only clears (never hands on), or one over a model the loss comes
        from. A clearing before the backward says less (a step may clear every optimizer
        first), so it does not count."""
        scope = site.scope
        if scope.is_module:
            return ()
        handed: dict[str, TorchOptimizer] = {
            key: TorchOptimizer(key, call, scope, "optimizer", None, frozenset())
            for key, call in _optimizers_handed_out(scope).items()
        }
        # An optimizer over a model the loss comes from, whatever else the function does
        # with it: only what runs between the backward and its clearing could step it.
        over_the_loss = {o.key: o for o in (*self.needed(site), *related)}
        if not handed and not over_the_loss:
            return ()
        info = self.info[scope]
        stepped = {step.optimizer for step in info.steps}
        if not stepped - {None}:
            return ()  # no optimizer steps here: a framework's loop may step them all
        layout = self.facts.layout(scope)
        others = [layout.calls.get(b.call) for b in info.backwards if b is not site]
        found = []
        for call, receiver in info.clears:
            if receiver in stepped or receiver in found:
                continue
            if receiver not in handed and receiver not in over_the_loss:
                continue
            at = layout.calls.get(call)
            if at is None or not _is_statement(at, call) or not where.before(at):
                continue
            if not _within(at.chain, where.chain) or any(
                o is not None and where.before(o) and o.before(at) for o in others
            ):
                continue
            if any(where.seq < e.seq < at.seq for e in layout.exits):
                continue
            if at.chain != where.chain:
                continue  # a clearing on some paths only (``if not finite: zero_grad()``)
            if any(self._same_pass_step(layout, where, at, step, others) for step in info.steps):
                # ``g_loss.backward(); opt_d.zero_grad(); opt_g.step()`` (either order): the
                # generator's step uses them, and the clearing discards what leaked into
                # the discriminator on purpose.
                continue
            if (receiver in handed and _only_cleared_in(scope, receiver)) or (
                receiver in over_the_loss and not self._may_step_between(scope, where, at)
            ):
                found.append(receiver)
        return tuple(handed.get(key) or over_the_loss[key] for key in found)

    def _cleared_each_pass(
        self, site: BackwardSite, where: Where, related: tuple[TorchOptimizer, ...]
    ) -> tuple[cst.Call, cst.CSTNode] | None:
        """``for batch in loader: opt.zero_grad(); loss.backward()`` with the step lost, and
        a step after the loop (a second training phase, a later notebook cell that trains
        again): each pass clears the last one's gradients before anything steps, so every
        batch but the last is thrown away. The clearing must run on every pass before the
        backward (not under an ``if``), and nothing in the loop may step or read them: no
        step, no call of own code or hand-off of an optimizer, no ``.grad`` read (not even a
        look, such as a norm), and no ``break`` after the backward (``while True: ...; if
        finite: break`` retries on purpose)."""
        chain = where.chain
        loops = [i for i, (node, label) in enumerate(chain) if label == "body" and _is_loop(node)]
        if not loops:
            return None
        loop_chain = chain[: loops[-1] + 1]
        loop = loop_chain[-1][0]
        scope = site.scope
        info = self.info[scope]
        layout = self.facts.layout(scope)

        def in_loop(at: Where | None) -> bool:
            return at is None or _within(at.chain, loop_chain)

        if any(in_loop(layout.place(step.node)) for step in info.steps):
            return None
        if any(in_loop(layout.calls.get(call)) for call in info.optimizer_handoffs):
            return None
        resolved = self.callees(scope)
        if any(
            in_loop(layout.calls.get(call))
            and (resolved[call] or self._may_be_an_update(scope, call, name, receiver))
            for call, name, receiver in info.calls
        ):
            return None
        if any(self._may_follow(scope, where, read) for read in info.grad_mentions):
            # Even a look counts here: a statistics pass sums ``p.grad.abs()`` per batch
            # (Memory Aware Synapses), and nothing steps on purpose.
            return None
        if any(
            isinstance(e.statement, cst.Break) and where.before(e) and _within(e.chain, loop_chain)
            for e in layout.exits
        ):
            return None
        keys = {o.key for o in related}
        for call, receiver in self._clearings_in(scope):
            at = layout.calls.get(call)
            if at is None or not _is_statement(at, call) or not at.before(where):
                continue
            if not (_within(at.chain, loop_chain) and _within(chain, at.chain)):
                continue  # outside the loop, or on some paths to the backward only
            if (
                receiver in site.models
                or any(self._clears(receiver, key) for key in keys)
                or (not keys and self.is_optimizer_text(receiver))
            ):
                return call, loop
        return None

    @staticmethod
    def _same_pass_step(
        layout, backward: Where, clearing: Where, step: OptimizerStep, others: list
    ) -> bool:
        """Whether ``step`` may run after the backward in the same pass (before the next
        backward, not in another branch of an ``if`` that holds the backward), before or
        after the clearing."""
        at = layout.place(step.node)
        if at is None:
            return True
        if not backward.before(at) or _other_branch(backward, at):
            return False
        return not any(o is not None and backward.before(o) and o.before(at) for o in others)

    def _may_step_between(self, scope: Scope, start: Where, end: Where) -> bool:
        """Whether a call between two statements may step an optimizer: a call of own
        code, or one that is handed an optimizer."""
        info = self.info[scope]
        layout = self.facts.layout(scope)

        def between(call: cst.Call) -> bool:
            at = layout.calls.get(call)
            return at is None or (start.before(at) and at.before(end))

        if any(between(call) for call in info.optimizer_handoffs):
            return True
        resolved = self.callees(scope)
        return any(
            between(call)
            and (resolved[call] or self._may_be_an_update(scope, call, name, receiver))
            for call, name, receiver in info.calls
        )

    def _cleared_for(self, site: BackwardSite, where: Where, key: str) -> bool:
        layout = self.facts.layout(site.scope)
        others = [
            layout.calls.get(b.call) for b in self.info[site.scope].backwards if b is not site
        ]
        for call, receiver in self.info[site.scope].clears:
            at = layout.calls.get(call)
            if receiver != key or at is None or not _is_statement(at, call):
                continue
            if not (at.before(where) and _within(where.chain, at.chain)):
                continue
            if not any(o is not None and at.before(o) and o.before(where) for o in others):
                return True
        return False

    def _cleared_before_return(self, site: BackwardSite, where: Where | None) -> bool:
        """A ``zero_grad()`` of an optimizer (or of a model the loss comes from) runs after
        the backward on every path out of its blocks, before the function can return: no
        step after the return reads these gradients (a benchmark's two training functions,
        each over its own model; the second one's step is none of the first's)."""
        if where is None or site.scope.is_module:
            return False
        layout = self.facts.layout(site.scope)
        for call, receiver in self.info[site.scope].clears:
            if not (self.is_optimizer_text(receiver) or receiver in site.models):
                continue
            at = layout.calls.get(call)
            if at is None or not _is_statement(at, call) or not where.before(at):
                continue
            if _within(where.chain, at.chain) and not any(
                where.seq < e.seq < at.seq for e in layout.exits
            ):
                return True
        return False

    def _compatible(self, step: OptimizerStep, needed: tuple[TorchOptimizer, ...]) -> bool:
        if not needed or step.optimizer is None:
            return True
        named = self.optimizers_named(step.optimizer)
        # An optimizer gradlint did not see built, or built over weights it cannot name
        # (``Adam([log_alpha])``), may hold these weights.
        return not named or any(o in needed or not o.owners for o in named)

    def _after(
        self,
        scope: Scope,
        where: Where | None,
        needed: tuple[TorchOptimizer, ...],
        skipped: list[OptimizerStep],
        depth: int,
        seen: set[Scope],
    ) -> str | None:
        """Why a step consumes the gradients after ``where`` in ``scope`` (None: none does)."""
        info = self.info[scope]
        layout = self.facts.layout(scope)
        for step in info.steps:
            if not self._follows(layout, where, step.node):
                continue
            if not self._compatible(step, needed):
                skipped.append(step)
                continue
            clearing = self._cleared_before(scope, where, step)
            if clearing is None:
                return f"stepped by {self.ctx.short_text(step.node, 40)}"
            skipped.append(step)
            self._clearings.append((step, clearing))
        resolved = self.callees(scope)
        gone = self._gone_at(scope, where, needed) if depth == 0 else None

        def reads(call: cst.Call) -> bool:
            # Past a ``zero_grad()`` that empties every optimizer of the loss, nothing that
            # runs (later in the block, on the loop's next pass, after it) reads this ``.grad``.
            if not self._follows(layout, where, call):
                return False
            at = layout.calls.get(call)
            return gone is None or (at is not None and where is not None and at.before(gone))

        for call in info.optimizer_handoffs:
            if not resolved.get(call) and reads(call):
                return f"optimizer passed to {self.ctx.short_text(call.func, 40)}"
        for call, name, receiver in info.calls:
            if resolved.get(call) or not reads(call):
                continue
            if self._may_be_an_update(scope, call, name, receiver):
                return f"{self.ctx.short_text(call.func, 40)}() may update the weights"
        if depth >= MAX_DEPTH:
            return None
        for call, _name, _receiver in info.calls:
            if not reads(call):
                continue
            for callee in resolved[call]:
                if callee in seen:
                    continue
                why = self._after(callee, None, needed, skipped, depth + 1, seen | {callee})
                if why is not None:
                    return f"{why} in {callee.name}()"
        return None

    def _may_be_an_update(
        self, scope: Scope, call: cst.Call, name: str, receiver: str | None
    ) -> bool:
        """Code the file does not hold whose name says it optimizes: an optimizer object
        called on the parameters (minipyro's ``self.optim(params)``, a textbook's
        ``optimizer_fn([w, b], states, hyperparams)``), or a method of the class's base in
        another module (``self.run_optimizer()`` of an imported ``TrainResNetBase``)."""
        readers = self.vocabulary.optimizer_readers
        if _class_like(name) or _BUILDS.search(name) or (readers and readers.search(name)):
            return False
        if not self.is_optimizer_text(name) or self.is_optimizer_class(call.func) is not None:
            return False
        if receiver == "self":
            # ``self.optimizers()`` only fetches (Lightning): a bare noun is no update.
            return bool(call.args) or (
                not _OPTIMIZER_NOUN.fullmatch(name) and self._has_foreign_base(scope)
            )
        return receiver is None and bool(call.args)

    def _has_foreign_base(self, scope: Scope) -> bool:
        """The class around the scope has a base that is neither the file's own, a PyTorch
        layer nor a standard-library one: another framework's or module's class."""
        cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
        if cls is None:
            return False
        local = {s.class_node.name.value for s in self.scopes if s.class_node is not None}
        bases = {dotted_name(arg.value) or "" for arg in cls.bases}
        return any(
            b and b not in _PLAIN_BASES and b not in local and not _torch_layer(b) for b in bases
        )

    def _gone_at(
        self, scope: Scope, where: Where | None, needed: tuple[TorchOptimizer, ...]
    ) -> Where | None:
        """The ``zero_grad()`` after the backward at ``where`` that empties the ``.grad`` of
        every optimizer the loss reaches, on every path on, with no step, no own code and no
        optimizer hand-off between them (``fabric.backward(loss)`` then
        ``optimizer.zero_grad()``, the step between them lost). Not at a module's top level,
        where a tutorial's cell backpropagates to show what hooks see, or what fails, and
        clears: its training is in other cells."""
        if where is None or not needed or scope.is_module:
            return None
        info = self.info[scope]
        layout = self.facts.layout(scope)
        steps = [layout.calls.get(s.node) for s in info.steps if isinstance(s.node, cst.Call)]
        for call, receiver in info.clears:
            at = layout.calls.get(call)
            if at is None or not _is_statement(at, call) or not where.before(at):
                continue
            if not _within(where.chain, at.chain):
                continue  # only on some paths
            if any(where.seq < e.seq < at.seq for e in layout.exits):
                continue
            if not all(self._clears(receiver, o.key) for o in needed):
                continue
            if len(steps) != len(info.steps) or any(
                s is not None and where.before(s) and s.before(at) for s in steps
            ):
                return None
            if self._may_step_between(scope, where, at):
                return None
            return at
        return None

    def _cleared_before(self, scope: Scope, where: Where | None, step: OptimizerStep):
        """The ``zero_grad()`` that empties ``step``'s ``.grad`` on every path from ``where``
        (None: the scope's entry) to the step, or None.

        A step reads the ``.grad`` of its own optimizer's parameters only, so a backward's
        gradients are gone for it once that optimizer (or the model whose parameters it
        holds) is cleared after the backward: the GAN's generator backward is not consumed
        by the discriminator's step that follows ``optimizer_D.zero_grad()``."""
        if step.form == "closure":
            return self._cleared_by_closure(scope, step)
        clears = self._clearings_in(scope)
        if step.optimizer is None or not clears:
            return None
        if step.optimizer in _configured_objects(scope):
            # ``self.optimizer.acc_stats = True`` around a backward (K-FAC, ACKTR): the
            # optimizer's hooks read that backward; clearing its ``.grad`` afterwards is
            # part of the algorithm, not a lost update.
            return None
        layout = self.facts.layout(scope)
        target = layout.calls.get(step.node) if isinstance(step.node, cst.Call) else None
        if target is None:
            return None
        for call, receiver in clears:
            if not self._clears(receiver, step.optimizer):
                continue
            at = layout.calls.get(call)
            if at is None or not _is_statement(at, call):
                continue
            if _on_every_path(layout, where, at, target):
                return call
        return None

    def _cleared_by_closure(self, scope: Scope, step: OptimizerStep) -> cst.Call | None:
        """``optimizer.step(closure)`` runs the closure before it updates: a closure that
        clears that optimizer before its own backward (the usual LBFGS closure) steps only
        what it computes, never the gradients left by an earlier backward."""
        call = step.node
        if step.optimizer is None or not isinstance(call, cst.Call) or not call.args:
            return None
        name = call.args[0].value
        if not isinstance(name, cst.Name):
            return None
        for closure in self._resolve(scope, name.value, None):
            info = self.info[closure]
            layout = self.facts.layout(closure)
            first_exit = min((e.seq for e in layout.exits), default=None)
            backwards = [layout.calls.get(b.call) for b in info.backwards]
            if not backwards or None in backwards:
                continue
            first_backward = min(at.seq for at in backwards if at is not None)
            for clearing, receiver in info.clears:
                at = layout.calls.get(clearing)
                if at is None or at.chain or not _is_statement(at, clearing):
                    continue  # only on some calls
                if at.seq >= first_backward or (first_exit is not None and first_exit < at.seq):
                    continue
                if self._clears(receiver, step.optimizer):
                    return clearing
        return None

    def _clearings_in(self, scope: Scope) -> list[tuple[cst.Call, str]]:
        """The scope's ``X.zero_grad()`` calls, and its calls of same-module helpers that
        clear ``X`` on every call (a GAN tutorial's ``reset_grad()`` clearing both
        optimizers), each with the ``X`` cleared as the scope names it."""
        found = self._helper_clears.get(scope)
        if found is not None:
            return found
        found = list(self.info[scope].clears)
        for call, name, receiver in self.info[scope].calls:
            for callee in self._resolve(scope, name, receiver):
                if callee is not scope:
                    found += [(call, x) for x in self._always_cleared(callee, scope, receiver)]
        self._helper_clears[scope] = found
        return found

    def _always_cleared(self, callee: Scope, caller: Scope, receiver: str | None) -> list[str]:
        """What ``callee`` clears at its top level before any ``return``, named the same in
        ``caller``: a global the caller does not shadow, or an attribute of ``self`` for a
        method called on ``self``."""
        layout = self.facts.layout(callee)
        first_exit = min((e.seq for e in layout.exits), default=None)
        cleared: list[str] = []
        for call, target in self.info[callee].clears:
            at = layout.calls.get(call)
            if at is None or at.chain or not _is_statement(at, call):
                continue  # only on some calls
            if first_exit is not None and first_exit < at.seq:
                continue
            root = target.split(".", 1)[0]
            if root == "self":
                if receiver == "self" and callee.class_node is not None:
                    cleared.append(target)
            elif not self._shadows(callee, root) and not self._shadows(caller, root):
                cleared.append(target)
        return cleared

    def _clears(self, receiver: str, optimizer: str) -> bool:
        """``receiver.zero_grad()`` empties the ``.grad`` that ``optimizer`` steps: it is that
        optimizer, or a model that holds every parameter it was built over."""
        if receiver == optimizer:
            return True
        named = self.optimizers_named(optimizer)
        return bool(named) and all(
            o.owners
            and all(owner == receiver or owner.startswith(receiver + ".") for owner in o.owners)
            for o in named
        )

    def _follows(self, layout, where: Where | None, node: cst.CSTNode) -> bool:
        """Whether ``node`` may run after ``where`` (None: anywhere in the scope)."""
        if where is None:
            return True
        other = layout.place(node)
        if other is None:
            return True
        if where.before(other) and not _other_branch(where, other):
            return True
        loops = {n for n, label in where.chain if label == "body" and _is_loop(n)}
        return any(n in loops for n, label in other.chain if label == "body")

    def _may_follow(self, scope: Scope, where: Where | None, read: cst.CSTNode) -> bool:
        """Whether a ``.grad`` read may run after the backward at ``where``: an earlier
        loop's hand-written update reads the gradients of its own backward, not of one
        that comes after it."""
        statement = self.info[scope].read_statements.get(read)
        if statement is None:
            return True
        return self._follows(self.facts.layout(scope), where, statement)

    def _resolve(self, scope: Scope, name: str, receiver: str | None) -> list[Scope]:
        if receiver in ("self", "cls", "super()"):
            cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
            if cls is not None:
                method = self._methods.get((cls, name))
                return [method] if method is not None else []
            return []
        if receiver is None:
            return self._nested(scope, name) or self._functions.get(name, [])
        return []

    def _nested(self, scope: Scope, name: str) -> list[Scope]:
        return [s for s in self.scopes if s.parent is scope and s.name == name]

    def _probe_pass(self, site: BackwardSite, needed: tuple[TorchOptimizer, ...]) -> bool:
        """``loss.backward(retain_graph=True)``, then ``zero_grad()``, then a second backward
        over the same graph that the cleared optimizer steps (Opacus' ghost clipping, K-FAC's
        statistics backward): the first pass is run for what hooks see, and its ``.grad``
        is discarded on purpose. Every optimizer the loss reaches must step after it."""
        if not any(
            arg.keyword is not None
            and arg.keyword.value == "retain_graph"
            and not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None"))
            for arg in site.call.args
        ):
            return False
        layout = self.facts.layout(site.scope)
        later = [
            at
            for other in self.info[site.scope].backwards
            if other is not site and (at := layout.calls.get(other.call)) is not None
        ]
        stepped: set[str] = set()
        for step, clearing in self._clearings:
            cleared_at = layout.calls.get(clearing)
            step_at = layout.calls.get(step.node) if isinstance(step.node, cst.Call) else None
            if cleared_at is None or step_at is None or step.optimizer is None:
                continue
            if any(cleared_at.before(at) and at.before(step_at) for at in later):
                stepped.add(step.optimizer)
        return bool(stepped) and all(o.key in stepped for o in needed)

    def callees(self, scope: Scope) -> dict[cst.Call, list[Scope]]:
        """What each call of the scope's own code may run, resolved once per scope."""
        found = self._callees.get(scope)
        if found is None:
            found = self._callees[scope] = {
                call: self._resolve(scope, name, receiver)
                for call, name, receiver in self.info[scope].calls
            }
        return found

    @property
    def callers(self) -> dict[Scope, list[tuple[Scope, cst.Call]]]:
        if self._callers is None:
            self._callers = {}
            for scope in self.scopes:
                for call, name, receiver in self.info[scope].calls:
                    for callee in self._resolve(scope, name, receiver):
                        self._callers.setdefault(callee, []).append((scope, call))
        return self._callers

    def _through_callers(
        self,
        scope: Scope,
        needed: tuple[TorchOptimizer, ...],
        skipped: list[OptimizerStep],
        depth: int,
        seen: set[Scope],
    ) -> str | None:
        if depth >= MAX_DEPTH:
            return None
        if not scope.is_module:
            for other in self.scopes:
                node = self.info[other].value_names.get(scope.name)
                if node is not None and self._shadows(other, scope.name):
                    continue  # ``train=train`` of a local ``train``: not this function
                if node is not None and (scope.parent is other or scope.parent.is_module):
                    if self._keeps_its_optimizers(scope):
                        break  # whoever calls it cannot reach the optimizer that would step
                    return f"{scope.name} is handed on as a value (line {self._line(node)})"
        for caller, call in self.callers.get(scope, []):
            if caller in seen:
                continue
            where = self.facts.layout(caller).calls.get(call)
            why = self._after(caller, where, needed, skipped, depth, seen | {caller})
            if why is None:
                why = self._through_callers(caller, needed, skipped, depth + 1, seen | {caller})
            if why is not None:
                return f"{why} (after {scope.name}() returns)"
        return None

    def _keeps_its_optimizers(self, scope: Scope) -> bool:
        """The function builds every optimizer it mentions itself (plain local names, bound
        in it, none a parameter) and hands none on or back: no caller (one it is handed to
        as a value, a launcher, a test's parametrization) can step them."""
        info = self.info[scope]
        # A class (``isinstance(optimizer, DPOptimizer)``) is no optimizer a caller could step.
        mentions = {name for name in info.optimizer_mentions if not _class_like(name)}
        if scope.is_module or not mentions or self._hands_away(scope, set()):
            return False
        if info.returned & mentions:
            return False  # handed back
        if scope.class_node is not None and not all(
            any(o.key == name and o.scope is scope for o in self.optimizers) for name in mentions
        ):
            # A method's optimizer may come from ``self`` (another method keeps it); only
            # one it builds itself (an adversarial attack's ``Adam([delta])``) stays here.
            return False
        if any(s is not scope and s.parent is scope and self._carries(s) for s in self.scopes):
            return False  # a nested function (a closure) may carry an optimizer out
        bindings = self.facts.layout(scope).bindings
        params = set(scope.params())
        if any("." in name or name in params for name in mentions):
            return False
        free = {name for name in mentions if name not in bindings}
        return not free or self._enclosing_keeps(scope, free)

    def _hands_away(self, scope: Scope, seen: set[Scope]) -> bool:
        """Whether the scope hands an optimizer to code that may keep it: not a wrapper whose
        result is bound back to the optimizer's name, not a function of the file that
        neither returns an optimizer nor hands it on itself (a test's shared training
        helper)."""
        info = self.info[scope]
        resolved = self.callees(scope)
        for call in info.optimizer_handoffs:
            if call in info.optimizer_wraps:
                continue
            callees = resolved.get(call)
            if not callees or any(callee in seen for callee in callees):
                return True
            for callee in callees:
                own = self.info[callee]
                if own.returned & own.optimizer_mentions or any(
                    "." in name for name in own.optimizer_mentions
                ):
                    return True  # handed back, or stored on an object
                if self._hands_away(callee, seen | {scope}):
                    return True
        return False

    def _enclosing_keeps(self, scope: Scope, free: set[str]) -> bool:
        """A process function nested in the function that holds its optimizers (ignite's
        ``def train_step(engine, batch)`` inside ``create_trainer(model, optimizer)``, handed
        to ``Engine(train_step)``): whoever the closure is handed to gets the closure, not the
        optimizer. True when the enclosing function binds them (or takes them as
        parameters), hands none of them to a call, returns none, steps none itself (an
        LBFGS ``optimizer.step(closure)``), and no other function nested in it mentions
        them (an event handler that steps). The module counts as the enclosing function of
        its top-level functions (a notebook's global optimizer and ``update_fn``)."""
        parent = scope.parent
        if parent is None or parent.class_node is not None:
            return False
        info = self.info[parent]
        if info.optimizer_handoffs or info.returned & (free | {scope.name}):
            return False  # the optimizer, or the closure that holds it, goes out
        if any(step.optimizer in free or step.optimizer is None for step in info.steps):
            return False
        layout = self.facts.layout(parent)
        if not all(name in layout.bindings or name in parent.params() for name in free):
            return False
        return not any(
            other is not scope
            and other.parent is not None
            and parent in other.parent.chain()
            and self._uses_optimizers(other) & free
            for other in self.scopes
        )

    def _carries(self, scope: Scope) -> bool:
        """Whether a nested function mentions an optimizer, in itself or its own nested
        functions (a batch generator inside the trainer does not)."""
        return bool(self._uses_optimizers(scope)) or any(
            s.parent is scope and self._carries(s) for s in self.scopes
        )

    def _uses_optimizers(self, scope: Scope) -> set[str]:
        info = self.info[scope]
        stepped = {step.optimizer for step in info.steps if step.optimizer is not None}
        return info.optimizer_mentions | stepped

    def _shadows(self, scope: Scope, name: str) -> bool:
        """``name`` is a parameter or local variable of the function ``scope``."""
        if scope.is_module:
            return False
        if name in scope.params():
            return True
        return any(b.value is not None for b in self.facts.layout(scope).bindings.get(name, ()))

    def _line(self, node: cst.CSTNode) -> int:
        return self.ctx.position(node).start.line

    def _other_methods_step(
        self, scope: Scope, needed: tuple[TorchOptimizer, ...], skipped: list[OptimizerStep]
    ) -> str | None:
        """A method whose class steps in another method: the order they run in is the
        caller's (a trainer's ``backward()`` and ``optimizer_step()`` hooks)."""
        cls = scope.class_node
        for (owner, name), method in self._methods.items():
            if owner is not cls or method is scope or name.startswith("test"):
                continue  # (a test runs alone, on an instance of its own: it follows nothing)
            for step in self.info[method].steps:
                if any(o.key == step.optimizer and o.scope is method for o in self.optimizers):
                    continue  # that method's own optimizer, built there: never this one
                # One that method clears on every path to it steps only what it computes.
                clearing = self._cleared_before(method, None, step)
                if self._compatible(step, needed) and clearing is None:
                    return f"stepped by {self.ctx.short_text(step.node, 40)} in {name}()"
                skipped.append(step)
            # A hand-off to code the file does not hold (own code was read for its steps).
            resolved = self.callees(method)
            if any(not resolved.get(call) for call in self.info[method].optimizer_handoffs):
                return f"optimizer handed on in {name}()"
        return None

    def _framework_hook(self, scope: Scope) -> bool:
        """A method of a class built on another framework's base (``Trainer``,
        ``LightningModule``) that returns a value: that framework's loop steps."""
        if not any(self.info[s].returns_value for s in scope.chain()):
            return False
        return self._has_foreign_base(scope)

    # ------------------------------------------------------------------ intent
    def _intent(self, scope: Scope, depth: int, seen: set[Scope]) -> bool:
        """A training step: an optimizer is in reach of the scope or of one of its callers,
        and the code is not a test."""
        if self._is_test(scope):
            return False
        if self._reaches_optimizer(scope):
            return True
        if depth >= MAX_DEPTH:
            return False
        seen = seen | {scope}
        return any(
            self._intent(caller, depth + 1, seen)
            for caller, _ in self.callers.get(scope, [])
            if caller not in seen
        )

    def _is_test(self, scope: Scope) -> bool:
        for s in scope.chain():
            if s.is_module:
                break
            if s.name.startswith("test") or (
                s.class_node is not None and s.class_node.name.value.startswith("Test")
            ):
                return True
        return False

    def _reaches_optimizer(self, scope: Scope) -> bool:
        for s in scope.chain():
            if self.info[s].optimizer_mentions:
                return True
        cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
        if cls is not None:
            if any(o.scope.class_node is cls for o in self.optimizers):
                return True
            for (owner, _), method in self._methods.items():
                if owner is cls and any(
                    m.startswith("self.") for m in self.info[method].optimizer_mentions
                ):
                    self.ctx.require_whole_class(cls)
                    return True
        return any(o.scope.is_module for o in self.optimizers)


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            dotted = dotted_name(attribute)
            if dotted is not None:
                found.add(dotted)

    node.visit(_Names())
    return found


def _class_like(name: str) -> bool:
    """``DistributedDPOptimizer``: a CapWords name is a class by convention, not an
    instance (``OPTIMIZER``, all capitals, is a constant and may hold one)."""
    last = name.rsplit(".", 1)[-1]
    return last[:1].isupper() and not last.isupper()


def _torch_layer(base: str) -> bool:
    """``nn.Linear``, ``torch.nn.Conv2d``: a PyTorch layer has no loop that steps."""
    return base.startswith(("nn.", "torch.nn."))


def _other_branch(where: Where, other: Where) -> bool:
    """``other`` sits in another branch of an ``if`` that holds ``where`` in one: a run of
    that ``if`` takes one of them (only a loop around it leads from one to the other)."""
    labels = dict(where.chain)
    return any(
        isinstance(node, cst.If) and node in labels and labels[node] != label
        for node, label in other.chain
    )


def _is_loop(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.For | cst.While)


def _is_statement(where: Where, call: cst.Call) -> bool:
    """The call is a whole statement (``opt.zero_grad()``), not part of an expression that
    may skip it (``a if c else opt.zero_grad()``, a lambda)."""
    statement = where.statement
    return isinstance(statement, cst.Expr) and statement.value is call


def _within(chain: tuple, outer: tuple) -> bool:
    """``chain`` is nested in every block of ``outer`` (``outer`` is a prefix of it)."""
    return chain[: len(outer)] == outer


def _within_alike(chain: tuple, outer: tuple, layout, first: Where, second: Where) -> bool:
    """:func:`_within`, where a branch of an ``if`` in ``outer`` also stands for the same
    branch of a later ``if`` in ``chain`` on the same condition, when nothing the condition
    reads is bound between ``first`` and ``second`` (both then take the same branch)."""
    if len(chain) < len(outer):
        return False
    for (node, label), (other, other_label) in zip(chain, outer, strict=False):
        if node is other and label == other_label:
            continue
        if not (
            isinstance(node, cst.If)
            and isinstance(other, cst.If)
            and label == other_label
            and _stable_condition(other.test)
            and other.test.deep_equals(node.test)
            and not any(
                layout.bindings_between(name, first.seq, second.seq)
                for name in _names_in(other.test)
            )
        ):
            return False
    return True


def _stable_condition(test: cst.BaseExpression) -> bool:
    """A condition that reads only names and constants (no call, subscript or walrus that
    could give another answer the second time)."""
    finder = _UnstableParts()
    finder.walk(test)
    return not finder.found


class _UnstableParts(FastVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        self.found = True

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.found = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.found = True


def _configured_objects(scope: Scope) -> set[str]:
    """Dotted names whose attributes the scope assigns (``self.optimizer.acc_stats = x``)."""
    found: set[str] = set()

    class _Targets(ShallowVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            target = node.target
            if isinstance(target, cst.Attribute):
                owner = dotted_name(target.value)
                if owner is not None:
                    found.add(owner)

    walk_scope(scope, _Targets())
    return found


def _on_every_path(layout, start: Where | None, clear: Where, end: Where) -> bool:
    """Whether every path from ``start`` (None: the scope's entry) to ``end`` runs the
    statement at ``clear``. One-sided: True only where the blocks around the three prove it.

    ``clear`` is passed on the way when it sits, before ``end``, in a block that holds
    ``end`` (each run of that block that reaches ``end`` runs ``clear`` first, provided the
    path did not start inside that same run after ``clear``), or when it sits, after
    ``start``, in a block that holds ``start`` with no ``break``/``continue``/``return``
    between them (the path leaves ``start``'s blocks only through ``clear``). When ``end``
    comes before ``start`` (the next iteration of a loop around both), or a ``continue``
    after ``start`` goes round the loop first, ``clear`` must be inside that loop, so that
    it runs again before ``end``; so must it when ``end`` sits in another branch of an ``if``
    that holds ``start`` (only the loop's next pass leads there)."""
    guards_end = clear.before(end) and _within(end.chain, clear.chain)
    if start is None:
        return guards_end
    after_start = (
        start.before(clear)
        and _within(start.chain, clear.chain)
        and not any(start.seq < e.seq < clear.seq for e in layout.exits)
    )
    if start.before(end) and not _other_branch(start, end):
        if start.before(clear) and clear.before(end) and (guards_end or after_start):
            return True
        # ``backward(); continue`` (a warm-up branch): the path goes round the loop first
        jump = next(
            (
                e
                for e in layout.exits
                if start.seq < e.seq < end.seq and _within(start.chain, e.chain)
            ),
            None,
        )
        if jump is None or not isinstance(jump.statement, cst.Continue):
            return False
        loop = next(
            (n for n, label in reversed(jump.chain) if label == "body" and _is_loop(n)), None
        )
        if loop is None or (loop, "body") not in end.chain or (loop, "body") not in clear.chain:
            return False
        return guards_end or (after_start and clear.seq < jump.seq)
    around_start = {n for n, label in start.chain if label == "body" and _is_loop(n)}
    loops = [n for n, label in end.chain if label == "body" and n in around_start]
    if not loops or (loops[-1], "body") not in clear.chain:
        return False
    # The next pass: ``if flag: opt_g.zero_grad() else: opt_d.zero_grad()`` at its top and
    # ``if flag: ... else: opt_d.step()`` later take the same branch (a GAN alternating on
    # one flag), so the clearing guards the step as if it sat in the step's own block.
    guards_alike = clear.before(end) and _within_alike(end.chain, clear.chain, layout, clear, end)
    return after_start or guards_end or guards_alike


#: What code may do with an optimizer that never steps it (read or save its state).
_READ_ONLY = frozenset({"zero_grad", "state_dict", "load_state_dict", "param_groups"})


def _optimizers_handed_out(scope: Scope) -> dict[str, cst.Call]:
    """Names bound to Lightning's ``self.optimizers()`` in the scope (unpacked or whole),
    each with that call."""
    found: dict[str, cst.Call] = {}
    for stmt in scope.body():
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign) or not isinstance(small.value, cst.Call):
                continue
            if dotted_name(small.value.func) != "self.optimizers":
                continue
            for target in small.targets:
                for element in target_elements(target.target):
                    if isinstance(element, cst.Name):
                        found[element.value] = small.value
    return found


#: What a step may do with an optimizer it does not step: clear it, toggle its model.
_CLEARING_ONLY = frozenset({"zero_grad", "toggle_model"})
_TOGGLES = frozenset({"self.toggle_optimizer", "self.untoggle_optimizer"})


class _NameUses(ShallowVisitor):
    """Counts the uses of one name, and those that only clear or toggle it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.uses = 0
        self.harmless = 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.uses += 1

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.harmless += _count_name(node.target, self.name)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if (
            isinstance(node.value, cst.Name)
            and node.value.value == self.name
            and node.attr.value in _CLEARING_ONLY
        ):
            self.harmless += 1

    def visit_Call(self, node: cst.Call) -> None:
        if dotted_name(node.func) in _TOGGLES:
            self.harmless += sum(
                1 for a in node.args if isinstance(a.value, cst.Name) and a.value.value == self.name
            )


def _count_name(node: cst.BaseExpression, name: str) -> int:
    if isinstance(node, cst.Name):
        return int(node.value == name)
    if isinstance(node, cst.Tuple | cst.List):
        return sum(_count_name(e.value, name) for e in node.elements)
    return 0


def _only_cleared_in(scope: Scope, name: str) -> bool:
    """Whether the scope uses ``name`` only to bind, clear or toggle it."""
    uses = _NameUses(name)
    walk_scope(scope, uses)
    return uses.uses == uses.harmless


def _only_built_and_cleared(module: cst.Module, keys: set[str]) -> frozenset[str]:
    """The optimizer names of ``keys`` used in ``module`` only as the target of their
    construction and as the receiver of ``zero_grad()`` (or a state read): bound once,
    never stepped, never handed on."""
    uses: dict[str, int] = dict.fromkeys(keys, 0)
    harmless: dict[str, int] = dict.fromkeys(keys, 0)
    built: dict[str, int] = dict.fromkeys(keys, 0)

    class _Uses(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value in uses:
                uses[node.value] += 1

        def visit_Attribute(self, node: cst.Attribute) -> None:
            name = dotted_name(node)
            if name in uses:
                uses[name] += 1
            owner = dotted_name(node.value)
            if owner in uses and node.attr.value in _READ_ONLY:
                harmless[owner] += 1

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            name = dotted_name(node.target)
            if name in built:
                built[name] += 1

    module.visit(_Uses())
    return frozenset(
        k for k in keys if built[k] == 1 and uses[k] == built[k] + harmless[k] and harmless[k]
    )


def _constructions(module: cst.Module, keys: frozenset[str]) -> dict[str, cst.Call]:
    """The call each name of ``keys`` is bound to (``self.opt_ = self.opt_class(...)``)."""
    found: dict[str, cst.Call] = {}

    class _Assignments(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if len(node.targets) == 1 and isinstance(node.value, cst.Call):
                name = dotted_name(node.targets[0].target)
                if name in keys:
                    found[name] = node.value

    module.visit(_Assignments())
    return found


def _related(owner: str, models: frozenset[str]) -> bool:
    """``model`` and ``model.encoder`` name related weights (either holds the other)."""
    return any(owner == m or owner.startswith(m + ".") or m.startswith(owner + ".") for m in models)


class _ClassAliases(FastVisitor):
    """Every value bound to a plain name with "optim" in it (``optimizer_class = ...``)."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = target.target
            if isinstance(name, cst.Name) and "optim" in name.value.lower():
                self.values.setdefault(name.value, []).append(node.value)


class _ScopeReader(ShallowVisitor):
    """One shallow walk of a scope's code: backwards, steps, optimizers, calls."""

    def __init__(self, index: StepIndex, info: _ScopeInfo) -> None:
        self.index = index
        self.info = info
        self.vocabulary = index.vocabulary
        self.imports = index.ctx.imports
        self.no_grad_depth = 0
        self._called: set[cst.CSTNode] = set()
        self._observed: set[cst.CSTNode] = set()
        #: ``.grad`` reads whose value is kept per weight, however they look at it.
        self._stored: set[cst.CSTNode] = set()
        #: Functions handed to a process launcher (``mp.spawn(main_worker, ...)``).
        self._launched: set[cst.CSTNode] = set()
        #: The small statement being read (None: a compound statement's header).
        self._statement: cst.CSTNode | None = None
        #: ``x.step()`` on an object not known to be an optimizer, with the receiver text.
        self.unknown_steps: list[tuple[cst.Call, str]] = []

    # -------------------------------------------------------------- statements
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self._small_statements(node.body)
        return False

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self._small_statements(node.body)
        return False

    def _small_statements(self, body) -> None:
        for small in body:
            self._statement = small
            self.walk(small)
        self._statement = None

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.info.returns_value = True
            self.info.returned |= _names_in(node.value)

    def visit_With(self, node: cst.With) -> None:
        if any(self._is_no_grad(item.item) for item in node.items):
            self.no_grad_depth += 1

    def leave_With(self, original_node: cst.With) -> None:
        if any(self._is_no_grad(item.item) for item in original_node.items):
            self.no_grad_depth -= 1

    def _is_no_grad(self, expr: cst.BaseExpression) -> bool:
        func = expr.func if isinstance(expr, cst.Call) else expr
        name = dotted_name(func) or ""
        return name.rsplit(".", 1)[-1] in ("no_grad", "inference_mode")

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # ``if p.grad is not None``: looking, not consuming.
        self._observe(node.left)
        for target in node.comparisons:
            self._observe(target.comparator)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            self._wraps(node)
        for target in node.targets:
            self._observe(target.target)
            self._bind(target.target, node.value, node)
            if _fills_grad(target.target) and _grad_copy(node.value):
                # ``shared_param._grad = local_param.grad`` (A3C): the gradients move into
                # other parameters' ``.grad``, where only a step consumes them.
                self._observe(node.value)

    def _wraps(self, node: cst.Assign) -> None:
        assert isinstance(node.value, cst.Call)
        bound = {
            dotted_name(element)
            for target in node.targets
            for element in target_elements(target.target)
        }
        handed = {dotted_name(arg.value) for arg in node.value.args}
        if any(name is not None and self.index.is_optimizer_text(name) for name in bound & handed):
            self.info.optimizer_wraps.add(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, node)

    def _bind(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression,
        statement: cst.CSTNode | None = None,
    ) -> None:
        key = dotted_name(target)
        if key is None:
            if isinstance(target, cst.Tuple | cst.List):
                for element in target.elements:
                    name = dotted_name(element.value)
                    if name and self.index.is_optimizer_text(name):
                        self.info.optimizer_mentions.add(name)
            return
        if isinstance(target, cst.Attribute) and target.attr.value == "data":
            if _uses_grad(value, self.vocabulary.grad_observers):
                self._manual(statement or target)
            return
        if isinstance(value, cst.Call):
            class_name = self.index.is_optimizer_class(value.func)
            if class_name is not None:
                params = _params_argument(value)
                owners = _parameter_owners(params, self.info.scope, self.index)
                self.index.optimizers.append(
                    TorchOptimizer(key, value, self.info.scope, class_name, params, owners)
                )
                self.info.optimizer_mentions.add(key)
                return
        if self.index.is_optimizer_text(key):
            self.info.optimizer_mentions.add(key)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if _per_weight_buffer(node.target):
            # ``importance[name].data += p.grad.abs()``: a statistic of every weight's
            # gradient (Memory Aware Synapses, Fisher information) is kept, not shown.
            self._stored |= _grad_attributes(node.value)
        if isinstance(node.operator, cst.SubtractAssign | cst.AddAssign) and _uses_grad(
            node.value, self.vocabulary.grad_observers
        ):
            target = dotted_name(node.target) or ""
            if not target.endswith(".grad"):
                self._manual(node)

    def _manual(self, node: cst.CSTNode) -> None:
        self.info.steps.append(OptimizerStep(node, self.info.scope, None, "manual"))

    # -------------------------------------------------------------- expressions
    def visit_Arg(self, node: cst.Arg) -> bool:
        # ``datasets.MNIST(..., train=True)``: a keyword is no use of the function ``train``
        # as a value (only its name may still say an optimizer is in reach).
        keyword = node.keyword
        if keyword is None:
            return True
        if self.vocabulary.optimizer_name.search(keyword.value):
            self.info.optimizer_mentions.add(keyword.value)
        self.walk(node.value)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node in self._called or node in self._launched:
            return
        if self.vocabulary.optimizer_name.search(node.value):
            self.info.optimizer_mentions.add(node.value)
        self.info.value_names.setdefault(node.value, node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted_name(node)
        if name is None:
            self.walk(node.value)  # ``f(x).backward``: the attribute's name is no value
            return False
        if node.attr.value == "grad" and node in self._called:
            pass  # ``torch.autograd.grad(...)`` returns gradients; it reads no ``.grad``
        elif ".grad." in name + "." or ".grad_sample" in name:
            self.info.grad_mentions.append(node)
            if self._statement is not None:
                self.info.read_statements[node] = self._statement
            if node not in self._observed or node in self._stored:
                self.info.grad_reads.append(node)
        elif self.vocabulary.optimizer_name.search(node.attr.value) and node not in self._called:
            self.info.optimizer_mentions.add(name)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        self._called.add(func)
        launched = _launched_function(node, self.imports.qualify(func) or dotted_name(func))
        if launched is not None:
            self._launched.add(launched)
        vocabulary = self.vocabulary
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        receiver = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            inner = func.value.func
            if isinstance(inner, cst.Name) and inner.value == "super":
                receiver = "super()"
        if (
            receiver is None
            and method in (vocabulary.step_method, "zero_grad")
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Subscript)
            and dotted_name(func.value.value) is not None
        ):
            # ``self.optims['discriminator'].step()`` (StarGAN v2 keeps its optimizers
            # in a dict): the entry's text names the optimizer.
            receiver = self.index.ctx.module.code_for_node(func.value)
        elif (
            receiver is None
            and method == "zero_grad"
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Call)
            and not func.value.args
            and dotted_name(func.value.func) is not None
        ):
            # Lightning's ``self.optimizers().zero_grad()``: the fetched optimizer is cleared.
            receiver = f"{dotted_name(func.value.func)}()"
        qualified = self.imports.qualify(func) or ""
        if qualified in vocabulary.backward_functions:
            if node.args:
                self._add_backward(node, "function", node.args[0].value)
        elif qualified == _DIST_BACKWARD:
            if len(node.args) > 1:
                self._add_backward(node, "function", node.args[1].value)
        elif method == vocabulary.backward_method and receiver not in ("self", "cls", "super()"):
            self._backward(node, func)  # type: ignore[arg-type]
        elif method in vocabulary.self_backward_methods and receiver == "self" and node.args:
            self._add_backward(node, "manual_backward", node.args[0].value)
        if method == vocabulary.step_method:
            self._step(node, receiver)
        last = method or (func.value if isinstance(func, cst.Name) else "")
        if last in vocabulary.stepping_functions and node.args:
            target = dotted_name(node.args[0].value)
            self.info.steps.append(OptimizerStep(node, self.info.scope, target, "function"))
        elif (
            method in vocabulary.inplace_update_methods
            and receiver is not None
            and ".grad." not in receiver + "."
            and any(_mentions_grad(arg.value) for arg in node.args)
        ):
            self._manual(node)
        if (
            method is not None
            and receiver is not None
            and ".grad." in receiver + "."
            and (method.endswith("_") or method in vocabulary.grad_observers)
        ):
            # ``p.grad.data.clamp_(-1, 1)``, ``p.grad.zero_()``: the gradient is changed or
            # looked at in place; only a step (or other code) consumes it.
            self._observe(func)
        if (
            method is not None
            and receiver is not None
            and _GATHERS_GRADIENTS.search(method)
            and self.index.is_optimizer_text(receiver)
            and not (isinstance(self._statement, cst.Expr) and self._statement.value is node)
        ):
            # ``g = optimizer._gather_flat_grad()`` (PyTorch-LBFGS, K-FAC): the optimizer
            # hands the gradients it holds to the code, which uses them.
            self.info.grad_reads.append(node)
            if self._statement is not None:
                self.info.read_statements[node] = self._statement
        if method == "zero_grad" and receiver is not None:
            # ``model.zero_grad()`` clears too, but it is no optimizer: saliency and
            # per-sample-gradient code clears the model before a backward it never steps.
            if self.index.is_optimizer_text(receiver):
                self.info.optimizer_mentions.add(receiver)
            self.info.clears.append((node, receiver))
        if last in vocabulary.grad_observers or _logs(last or ""):
            for arg in node.args:
                self._observe(arg.value, deep=last not in vocabulary.grad_observers)
        name = method or (func.value if isinstance(func, cst.Name) else None)
        if name is not None and method != vocabulary.step_method:
            self.info.calls.append((node, name, receiver))
            if self._hands_on_optimizer(node, name):
                self.info.optimizer_handoffs.append(node)

    def _observe(self, expr: cst.BaseExpression, deep: bool = False) -> None:
        """``p.grad.norm()``, ``print(p.grad)``: the gradient is only looked at. ``deep``:
        an argument of a logging call, where whatever it is computed from is only shown
        (``logger.histo_summary(tag, to_np(p.grad), step)``)."""
        if deep:
            observed = self._observed

            class _All(FastVisitor):
                def visit_Attribute(self, node: cst.Attribute) -> None:
                    observed.add(node)

            _All().walk(expr)
            return
        node = expr
        while isinstance(node, cst.Attribute | cst.Subscript | cst.Call):
            if isinstance(node, cst.Attribute):
                self._observed.add(node)
            node = node.func if isinstance(node, cst.Call) else node.value

    def _hands_on_optimizer(self, node: cst.Call, name: str) -> bool:
        readers = self.vocabulary.optimizer_readers
        assert readers is not None
        func_text = dotted_name(node.func) or name
        if readers.search(name) or readers.search(func_text):
            return False
        for arg in node.args:
            text = dotted_name(arg.value)
            if text is not None and self.index.is_optimizer_text(text):
                return True
        return False

    def _step(self, node: cst.Call, receiver: str | None) -> None:
        vocabulary = self.vocabulary
        if receiver is None:
            self._computed_step(node)
            return
        last = receiver.rsplit(".", 1)[-1]
        assert vocabulary.non_optimizer_step is not None
        assert vocabulary.stepping_owners is not None
        if receiver.endswith("scaler") or last.endswith("scaler"):
            target = dotted_name(node.args[0].value) if node.args else None
            self.info.steps.append(OptimizerStep(node, self.info.scope, target, "scaler"))
        elif (
            self.index.is_optimizer_text(receiver.split("[", 1)[0])
            or _entry_of_optimizers(receiver, vocabulary)
        ) and not vocabulary.non_optimizer_step.search(last):
            form = "closure" if node.args else "step"
            self.info.steps.append(OptimizerStep(node, self.info.scope, receiver, form))
        elif (
            receiver in self.info.scope.params()
            and not node.args
            and not vocabulary.non_optimizer_step.search(last)
            and receiver not in ("self", "cls")
        ):
            # ``def update(o): o.step()``: whatever the caller hands in is stepped.
            self.info.steps.append(OptimizerStep(node, self.info.scope, receiver, "step"))
        elif vocabulary.stepping_owners.search(receiver):
            self.info.steps.append(OptimizerStep(node, self.info.scope, None, "engine"))
        elif (
            not node.args
            and receiver not in ("self", "cls")
            and not vocabulary.non_optimizer_step.search(last)
        ):
            self.unknown_steps.append((node, receiver))

    def _computed_step(self, node: cst.Call) -> None:
        """``opt_rref.rpc_sync().step()``, ``self.optimizers().step()``: the step of an
        optimizer fetched by a call, named like one somewhere on the way."""
        func = node.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Call):
            return
        fetched = dotted_name(func.value.func)
        pattern = self.vocabulary.non_optimizer_step
        if fetched is None or (pattern is not None and pattern.search(fetched)):
            return
        if any(self.vocabulary.optimizer_name.search(part) for part in fetched.split(".")):
            self.info.steps.append(OptimizerStep(node, self.info.scope, None, "step"))

    def _backward(self, node: cst.Call, func: cst.Attribute) -> None:
        owners = self.vocabulary.backward_owners
        receiver = dotted_name(func.value)
        if receiver is not None and owners is not None and owners.search(receiver):
            if node.args:
                self._add_backward(node, "owner", node.args[0].value)
            return
        if (
            node.args
            and node.args[0].keyword is None
            and receiver is not None
            and not _looks_like_tensor(receiver)
        ):
            # ``x.backward(grad_output)`` is a tensor's backward with a seed gradient; a
            # ``something.backward(loss)`` receiver we do not know is not a loss.
            return
        self._add_backward(node, "method", func.value)

    def _add_backward(self, node: cst.Call, form: str, loss: cst.BaseExpression) -> None:
        models = _dependencies(loss, self.info.scope, self.index, node)
        text = self.index.ctx.short_text(loss, 40)
        self.info.backwards.append(BackwardSite(node, self.info.scope, form, loss, text, models))


#: ``dist_autograd.backward(context_id, [loss])``: RPC's backward, stepped by a
#: ``DistributedOptimizer``'s ``opt.step(context_id)``; the losses are its second argument.
_DIST_BACKWARD = "torch.distributed.autograd.backward"
#: Calls of a ``multiprocessing`` module (``torch.multiprocessing.spawn``, ``mp.spawn``,
#: ``multiprocessing.Process(target=f)``, torch_xla's ``xmp.spawn``) that run a function in
#: a new process: the caller's code after them runs in another process, so no step after
#: the function returns can read the ``.grad`` it filled.
_LAUNCHERS = frozenset({"spawn", "start_processes", "Process"})


def _logs(name: str) -> bool:
    """A logging call by its name: ``log_*``, ``print*``, ``histo_summary``, ``scalar_summary``."""
    lowered = name.lower()
    return lowered.startswith(("log", "print")) or "summary" in lowered or "histo" in lowered


def _launched_function(call: cst.Call, qualified: str | None) -> cst.Name | None:
    if not qualified or "." not in qualified:
        return None
    module, name = qualified.rsplit(".", 1)
    if name not in _LAUNCHERS or "multiprocessing" not in module:
        return None
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        first = keyword is None and arg is call.args[0]
        if (first or keyword in ("fn", "target")) and isinstance(arg.value, cst.Name):
            return arg.value
    return None


def _entry_of_optimizers(receiver: str, vocabulary: Vocabulary) -> bool:
    """``optims.discriminator`` (a Munch or namespace of optimizers): the part before the
    last names a collection of optimizers."""
    parts = receiver.split(".")
    if len(parts) < 2 or parts[-2] in ("self", "cls"):
        return False
    return bool(vocabulary.optimizer_name.search(_OPTIMIZE_VERB.sub("", parts[-2])))


def _looks_like_tensor(receiver: str) -> bool:
    last = receiver.rsplit(".", 1)[-1].lower()
    return "loss" in last or last in ("out", "output", "outputs", "y", "l", "total", "obj")


#: Calls that keep a tensor's values: a ``.grad`` passed through them is still the gradient.
_VALUE_KEEPING = frozenset({"clone", "detach", "to", "cpu", "cuda", "float", "half", "double"})


def _per_weight_buffer(target: cst.BaseExpression) -> bool:
    """``importance[name]``, ``fisher[n].data``: an entry of a buffer kept per weight (not a
    running total such as ``total_norm``, which only logs)."""
    while isinstance(target, cst.Attribute) and target.attr.value == "data":
        target = target.value
    return isinstance(target, cst.Subscript) and ".grad" not in (dotted_name(target.value) or "")


def _grad_attributes(expr: cst.BaseExpression) -> set[cst.CSTNode]:
    """The attributes in ``expr`` (the reader counts those that read a ``.grad``)."""
    found: set[cst.CSTNode] = set()

    class _Grads(FastVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            found.add(node)  # ``p.grad`` and ``p.grad.abs``: the reader sees the outer one

    _Grads().walk(expr)
    return found


def _fills_grad(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Attribute) and target.attr.value in ("grad", "_grad")


def _grad_copy(value: cst.BaseExpression) -> bool:
    """``p.grad``, ``p.grad.data``, ``p.grad.clone().detach()``, ``p.grad.to(device)``: the
    gradient itself, not something computed from it."""
    node = value
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value not in _VALUE_KEEPING:
                return False
            node = node.func.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        else:
            break
    return isinstance(node, cst.Attribute) and node.attr.value == "grad"


def _mentions_grad(node: cst.CSTNode) -> bool:
    found = False

    class _Grad(ShallowVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            nonlocal found
            if attribute.attr.value == "grad":
                found = True

    _Grad().walk(node)
    return found


def _uses_grad(node: cst.CSTNode, observers: frozenset[str]) -> bool:
    """A ``.grad`` whose value is used, not only looked at (``p.grad.norm()``)."""
    found = False

    class _Grad(ShallowVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
            return last not in observers

        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            nonlocal found
            if attribute.attr.value == "grad":
                found = True

    _Grad().walk(node)
    return found


def _params_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "params":
            return arg.value
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
    return None


def _parameter_owners(
    params: cst.BaseExpression | None, scope: Scope, index: StepIndex, depth: int = 0
) -> frozenset[str]:
    """The models whose ``.parameters()`` an optimizer's ``params`` argument reads,
    following local names (``params = list(model.parameters())``). Empty: unknown."""
    if params is None or depth > 3:
        return frozenset()
    owners: set[str] = set()
    names: set[str] = set()
    methods = index.vocabulary.parameter_methods

    class _Owners(ShallowVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in methods:
                owner = dotted_name(func.value)
                if owner is not None:
                    owners.add(owner)

        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    _Owners().walk(params)
    if owners:
        return frozenset(owners)
    layout = index.facts.layout(scope)
    for name in names:
        for binding in layout.bindings.get(name, []):
            value = binding.value or binding.unpacked_from
            if value is not None and value is not params:
                owners |= _parameter_owners(value, scope, index, depth + 1)
    return frozenset(owners)


def _dependencies(
    loss: cst.BaseExpression, scope: Scope, index: StepIndex, backward: cst.Call | None = None
) -> frozenset[str]:
    """Dotted names the loss is computed from, following the scope's local bindings, cut
    at ``.detach()``/``.item()`` (a detached input is no path to its model).

    A name bound before the backward is read from those bindings only: a GAN script binds
    ``output`` from the discriminator for its loss, then again from the generator's fake
    for the generator's, and only the first reaches the discriminator's backward (a name
    bound only later, in a loop, reaches it from the previous iteration)."""
    detach = index.vocabulary.detach_methods
    layout = index.facts.layout(scope)
    at = layout.calls.get(backward) if backward is not None else None
    found: set[str] = set()
    pending: list[str] = []
    seen_names: set[str] = set()

    class _Refs(ShallowVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            func = node.func
            return not (isinstance(func, cst.Attribute) and func.attr.value in detach)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            name = dotted_name(node)
            if name is None:
                self.walk(node.value)
                return False
            found.add(name)
            self._follow(name.split(".", 1)[0])
            return False

        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)
            self._follow(node.value)

        def _follow(self, name: str) -> None:
            if name not in seen_names:
                seen_names.add(name)
                pending.append(name)

    _Refs().walk(loss)
    steps = 0
    while pending and steps < 200:
        steps += 1
        bindings = layout.bindings.get(pending.pop(), [])
        if at is not None:
            before = [b for b in bindings if b.where.before(at)]
            bindings = before or bindings
        for binding in bindings:
            value = binding.value or binding.unpacked_from
            if value is not None:
                _Refs().walk(value)
    return frozenset(n for n in found if n not in ("self", "cls"))


def build_step_index(ctx: ModuleContext, facts: Facts) -> StepIndex:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.torch_steps`."""
    from gradlint.analyzer.vocabulary.torch import TORCH

    return StepIndex(ctx, facts, TORCH)
