"""One file's facts about gradients, each computed on first request and then kept.

Rules never run an analysis themselves: they read these properties and report. The module
context owns one :class:`Facts` (``ctx.facts``), so a fact costs the same whether one rule or
eight ask for it, and a file whose rules ask nothing expensive never pays for it (a file
with no gradient call never runs the flow analysis).

The value-flow machinery (tapes, scopes, the flow analysis, layouts) reads its framework
names from :attr:`Facts.vocabulary`; see :mod:`gradlint.analyzer.vocabulary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from gradlint.analyzer.dataflow import FateKind
from gradlint.analyzer.vocabulary import Vocabulary
from gradlint.analyzer.vocabulary.tensorflow import TENSORFLOW

if TYPE_CHECKING:
    import libcst as cst

    from gradlint.analyzer.commented_steps import CommentedStep
    from gradlint.analyzer.comments import CommentedUpdate
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.dataflow import FlowResult, HelperIndex, SiteTable
    from gradlint.analyzer.forward_pass import ForwardProblem
    from gradlint.analyzer.layout import ScopeLayout
    from gradlint.analyzer.overrides import UnappliedOverride
    from gradlint.analyzer.pairs import Update
    from gradlint.analyzer.returned_gradients import DroppedByCaller
    from gradlint.analyzer.scopes import Scope
    from gradlint.analyzer.steps import (
        BackwardSite,
        Consumption,
        OptimizerStep,
        StepIndex,
        TorchOptimizer,
    )
    from gradlint.analyzer.tapes import GradientSite, TapeIndex
    from gradlint.analyzer.torch_clearing import UnclearedLoop
    from gradlint.analyzer.torch_eval_mode import EvalModeLeak
    from gradlint.analyzer.torch_grad_flow import CutLoss
    from gradlint.analyzer.torch_optimizer_params import OtherModelOptimizer, StaleOptimizer
    from gradlint.analyzer.training import ModuleFacts, UnappliedSite


def may_hold_tapes(text: str) -> bool:
    """Whether :func:`gradlint.analyzer.tapes.build_tape_index` can find anything in a file
    of this text: every tape it finds is spelled with the tape class (``GradientTape``, or
    an import alias of it, whose import spells it), is a parameter named ``tape``, or is
    annotated with the class; every gradient call is made on one of those."""
    if "tape" in text or "Tape" in text:
        return True
    # Graph-mode gradient sites need no tape (``tf.gradients``, ``compute_gradients``,
    # Keras 2 ``get_gradients``), nor does an ``apply_gradients`` override.
    return any(word in text for word in _TAPELESS_SITE_WORDS)


_TAPELESS_SITE_WORDS = ("gradients(", "apply_gradients")


@dataclass(frozen=True)
class Fate:
    """What became of one gradient call's value, and why gradlint thinks so."""

    site: GradientSite
    kind: FateKind
    #: The first use seen ("applied by apply_gradients", "returned", ...); "" when dropped.
    evidence: str
    #: The local names that held the value, in the order they were bound.
    holders: tuple[str, ...]
    #: For ``dw, db = tape.gradient(loss, [w, b])``: the positions whose element goes
    #: nowhere while the call as a whole is not used (empty otherwise).
    dropped_elements: tuple[int, ...] = ()
    #: Whether the call's result is unpacked into one name per source.
    unpacked: bool = False

    @property
    def reaches_use(self) -> bool:
        """Every part of the value reaches something that may update weights or outlive
        the scope."""
        return self.kind is not FateKind.DROPPED and not self.dropped_elements


@dataclass
class Facts:
    """The typed facts of one analyzed file; see the module docstring."""

    ctx: ModuleContext
    vocabulary: Vocabulary = TENSORFLOW
    _flows: dict[Scope, FlowResult] = field(default_factory=dict, repr=False)
    _layouts: dict[Scope, ScopeLayout] = field(default_factory=dict, repr=False)
    _fates: dict[GradientSite, Fate] = field(default_factory=dict, repr=False)
    #: Memo of :class:`gradlint.analyzer.forward_pass.Callees`: is a same-module function pure?
    pure_definitions: dict[str, bool] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ tapes
    @cached_property
    def tapes(self) -> TapeIndex:
        """The scopes, the tapes (with their persistence) and every gradient call on them.

        The PyTorch facts read their scopes from here too, so that both frameworks' facts
        share one list of scopes (and one layout per scope). A file that never spells
        ``tape`` or ``Tape`` (a PyTorch one) can hold no tape, no tape parameter and no
        gradient call on one: it gets the scopes alone and never pays for the tape search."""
        from gradlint.analyzer.tapes import TapeIndex, build_tape_index

        if not may_hold_tapes(self.ctx.unit.text):
            from gradlint.analyzer.scopes import build_scopes

            return TapeIndex(scopes=build_scopes(self.ctx.module), tapes=[], sites=[])
        return build_tape_index(self.ctx)

    @cached_property
    def site_of_call(self) -> dict[cst.Call, GradientSite]:
        return {site.call: site for site in self.tapes.sites}

    @cached_property
    def module(self) -> ModuleFacts:
        """Bindings, trainable weights, optimizers in reach and training intent."""
        from gradlint.analyzer.training import ModuleFacts

        return ModuleFacts(self.ctx, self.tapes, self.vocabulary)

    def layout(self, scope: Scope) -> ScopeLayout:
        """Execution order and nesting of ``scope``'s statements and calls."""
        layout = self._layouts.get(scope)
        if layout is None:
            from gradlint.analyzer.layout import build_layout

            layout = self._layouts[scope] = build_layout(scope)
        return layout

    # ------------------------------------------------------------------ value flow
    @cached_property
    def site_table(self) -> SiteTable:
        from gradlint.analyzer.training import site_table

        return site_table(self.tapes)

    @cached_property
    def helpers(self) -> HelperIndex:
        from gradlint.analyzer.dataflow import HelperIndex

        return HelperIndex(self.tapes.scopes, project=self.ctx.project)

    def flow(self, scope: Scope) -> FlowResult:
        """Where the gradient values computed in ``scope`` go (one run per scope)."""
        result = self._flows.get(scope)
        if result is None:
            from gradlint.analyzer.dataflow import FlowAnalysis

            analysis = FlowAnalysis(self.ctx, scope, self.site_table, self.helpers)
            result = self._flows[scope] = analysis.run()
        return result

    def fate(self, site: GradientSite) -> Fate:
        """What became of ``site``'s value, with the evidence."""
        fate = self._fates.get(site)
        if fate is None:
            fate = self._fates[site] = self._fate(site)
        return fate

    def _fate(self, site: GradientSite) -> Fate:
        flow = self.flow(site.scope)
        parts = self.site_table.parts.get(site.index, ())
        holders = tuple(flow.holders.get(site.index, ()))
        used = site.index
        dropped: tuple[int, ...] = ()
        if used not in flow.used and parts:
            dropped = tuple(i for i, part in enumerate(parts) if part not in flow.used)
            if not dropped:
                # Every element is used on its own: the first element's use speaks for all.
                used = parts[0]
        if used not in flow.used:
            return Fate(site, FateKind.DROPPED, "", holders, dropped, bool(parts))
        return Fate(site, flow.kinds[used], flow.used[used], holders, (), bool(parts))

    # ------------------------------------------------------------------ findings' facts
    @cached_property
    def unapplied_gradients(self) -> list[UnappliedSite]:
        """Gradients of trainable weights, in a training step, that reach no update."""
        from gradlint.analyzer.training import unapplied_weight_gradients

        return unapplied_weight_gradients(self.ctx, self)

    @cached_property
    def unapplied_overrides(self) -> list[UnappliedOverride]:
        """``apply_gradients`` overrides of optimizer classes whose gradients parameter
        reaches no update (:mod:`gradlint.analyzer.overrides`)."""
        from gradlint.analyzer.overrides import unapplied_overrides

        return unapplied_overrides(self.ctx, self)

    @cached_property
    def commented_updates(self) -> list[CommentedUpdate]:
        """Comments that, uncommented, would apply gradients this scope drops."""
        from gradlint.analyzer.comments import find_commented_updates

        return find_commented_updates(self.ctx, self)

    @cached_property
    def recording_problems(self) -> list[ForwardProblem]:
        """Gradient targets whose forward pass the tape did not record: computed before
        or after the ``with`` block, or cut inside it."""
        from gradlint.analyzer.forward_pass import analyze_recordings

        return analyze_recordings(self.ctx, self)

    @cached_property
    def updates(self) -> list[Update]:
        """Every ``apply_gradients(zip(a, b))``/``optimizer.apply(a, b)`` in scopes that
        compute gradients, with what they were computed for and applied to."""
        from gradlint.analyzer.pairs import collect_updates

        return collect_updates(self.ctx, self)

    @cached_property
    def repeated_gradient_calls(self) -> list[tuple[GradientSite, GradientSite]]:
        """``(first, again)``: a non-persistent tape asked for gradients a second time on a
        path where the first call already ran."""
        from gradlint.analyzer.tapes import repeated_gradient_calls

        return repeated_gradient_calls(self)

    # ------------------------------------------------------------------ PyTorch steps
    @cached_property
    def torch_steps(self) -> StepIndex:
        """PyTorch's backward sites, optimizer steps and optimizers, read once per file
        (:mod:`gradlint.analyzer.steps`)."""
        from gradlint.analyzer.steps import build_step_index

        return build_step_index(self.ctx, self)

    @property
    def backward_sites(self) -> list[BackwardSite]:
        return self.torch_steps.backward_sites

    @property
    def optimizer_steps(self) -> list[OptimizerStep]:
        return self.torch_steps.steps

    @property
    def torch_optimizers(self) -> list[TorchOptimizer]:
        return self.torch_steps.optimizers

    def backward_consumption(self, site: BackwardSite) -> Consumption:
        """Whether a step consumes the ``.grad`` that ``site`` fills, with the evidence."""
        return self.torch_steps.consumption(site)

    @cached_property
    def unstepped_backwards(self) -> list[Consumption]:
        """Backwards in a training step whose ``.grad`` no step of the right optimizer
        consumes."""
        found = []
        for site in self.backward_sites:
            consumption = self.backward_consumption(site)
            if consumption.intent and not consumption.consumed:
                found.append(consumption)
        if found and not self.slice_answers(c.site.scope for c in found):
            # A sliced file may lack the caller that steps: then the finding is only stated
            # from the whole file.
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("unstepped backward")
        return found

    def slice_answers(self, scopes: Iterable[Scope]) -> bool:
        """Whether PyTorch findings in these scopes, read from a slice, are the whole
        file's (:mod:`gradlint.analyzer.slice_evidence`); always True for a whole file."""
        if self.ctx.line_map is None:
            return True
        from gradlint.analyzer.slice_evidence import slice_answers

        return slice_answers(self.ctx, self.torch_steps.vocabulary, scopes)

    @cached_property
    def cut_losses(self) -> list[CutLoss]:
        """Backwards in a training step whose loss (or one additive term of it) is visibly cut
        from every model: by a forward pass with grad mode off, or by ``.detach()``,
        ``.item()``, ``float()`` on the way (:mod:`gradlint.analyzer.torch_grad_flow`).
        Only sites with training intent count: a unit test that checks the error a detached
        loss raises, or a demo without an optimizer, is not a frozen model."""
        from gradlint.analyzer.torch_grad_flow import cut_losses

        sites = {site.call: site for site in self.backward_sites}
        found = []
        functions = [s.node for s in self.tapes.scopes if not s.is_module]
        for cut in cut_losses(self.ctx.module, functions):  # type: ignore[arg-type]
            site = sites.get(cut.backward)
            if site is not None and self.backward_consumption(site).intent:
                found.append(cut)
        if found and self.ctx.line_map is not None:
            # Stated only from the whole file, as for GL101: a slice may lack what carries.
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("cut loss")
        return found

    @cached_property
    def commented_steps(self) -> list[CommentedStep]:
        """``# optimizer.step()`` in the scope of a backward that nothing else steps."""
        from gradlint.analyzer.commented_steps import find_commented_steps

        return find_commented_steps(self.ctx, self)

    @cached_property
    def stale_optimizers(self) -> list[StaleOptimizer]:
        """Optimizers whose model is replaced (re-instantiated, deep-copied, a layer
        swapped) after they were built, and then trained
        (:mod:`gradlint.analyzer.torch_optimizer_params`)."""
        if not self.backward_sites:
            return []  # no training step in the file: nothing can train the new model
        from gradlint.analyzer.torch_optimizer_params import stale_optimizers

        found = stale_optimizers(self.ctx, self)
        if found and self.ctx.line_map is not None:
            # Stated only from the whole file, as for GL101: a slice may lack the rebuild.
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("stale optimizer")
        return found

    @cached_property
    def optimizers_over_other_models(self) -> list[OtherModelOptimizer]:
        """Backwards whose loss reaches only a model no optimizer holds, stepped by an
        optimizer over a model the loss never reaches
        (:mod:`gradlint.analyzer.torch_optimizer_params`)."""
        if not self.backward_sites:
            return []
        from gradlint.analyzer.torch_optimizer_params import optimizers_over_other_models

        found = optimizers_over_other_models(self.ctx, self)
        if found and self.ctx.line_map is not None:
            # Stated only from the whole file: a slice may lack a use that shares the model.
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("optimizer over another model")
        return found

    @cached_property
    def uncleared_loops(self) -> list[UnclearedLoop]:
        """Loops that backpropagate and step but never clear ``.grad``
        (:mod:`gradlint.analyzer.torch_clearing`)."""
        if not self.backward_sites:
            return []
        from gradlint.analyzer.torch_clearing import uncleared_loops

        found = uncleared_loops(self)
        if found and self.ctx.line_map is not None:
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("uncleared loop")
        return found

    @cached_property
    def eval_mode_leaks(self) -> list[EvalModeLeak]:
        """Switches to eval mode in a training loop that the next training forward runs
        under (:mod:`gradlint.analyzer.torch_eval_mode`)."""
        text = self.ctx.unit.text
        if not self.backward_sites or not (
            ".eval()" in text or "train(False" in text or "train(mode=False" in text
        ):
            return []  # no switch to eval mode anywhere in the module
        from gradlint.analyzer.torch_eval_mode import eval_mode_leaks

        found = eval_mode_leaks(self)
        if found and self.ctx.line_map is not None:
            # Stated only from the whole file: a slice may lack the model's class (which
            # may show that eval mode changes nothing) or a helper that switches it back.
            from gradlint.analyzer.context import NeedsWholeFile

            raise NeedsWholeFile("eval-mode leak")
        return found

    @cached_property
    def gradients_dropped_by_callers(self) -> list[DroppedByCaller]:
        """Weight gradients a function only returns, that a visible caller drops and none
        applies (:mod:`gradlint.analyzer.returned_gradients`)."""
        from gradlint.analyzer.returned_gradients import dropped_by_callers

        return dropped_by_callers(self.ctx, self)
