"""GL103: the loss that is backpropagated comes from a forward pass with grad mode off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


class ForwardUnderNoGrad(Rule):
    code = "GL103"
    name = "forward-under-no-grad"
    summary = "The loss passed to `backward()` was computed under `torch.no_grad()`."
    what_it_does = """
Flags a PyTorch training step whose loss comes from a forward pass run with grad mode off:
under `with torch.no_grad():`, `torch.inference_mode()`, `torch.set_grad_enabled(False)`, or in
a function decorated with them. It reports the forward pass, and only when every path from
the loss back to a model is cut that way.

It stays quiet for a model whose output is a target (a teacher, an EMA copy, a frozen
encoder under `no_grad` whose output the trained model is compared with), for evaluation
loops without `backward()`, and for `backward()` itself under `no_grad` when the loss was
computed with grad mode on (that is correct).
"""
    why_bad = """
Autograd records nothing under `no_grad`: the loss has no `grad_fn`, and `backward()` either
raises "element 0 of tensors does not require grad" or, when another term of the loss requires
grad, silently fills no `.grad` of the model that produced it. The step runs, the optimizer
steps over zero or stale gradients, and the weights of that model never learn.
"""
    example = """
with torch.no_grad():
    logits = model(x)
loss = criterion(logits, y)
loss.backward()
optimizer.step()
"""
    use_instead = """
logits = model(x)
loss = criterion(logits, y)
loss.backward()
optimizer.step()
"""
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl103/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for cut in ctx.facts.cut_losses:
            blocker = next((b for b in cut.blockers if b.kind == "no_grad"), None)
            if blocker is None:
                continue
            context = blocker.context
            where = f" ({ctx.line_ref(context)})" if context is not None else ""
            subject = "the loss" if cut.whole else "a term of the loss"
            yield ctx.finding(
                self.code,
                blocker.node,
                f"'{ctx.short_text(blocker.node)}' runs with grad mode off{where}, and "
                f"{subject} '{ctx.short_text(cut.loss)}' backpropagated at "
                f"{ctx.line_ref(cut.backward)} comes from it: no gradient reaches the "
                "model's weights (run the forward pass outside torch.no_grad())",
                severity=self.severity,
            )
