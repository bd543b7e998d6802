"""GL104: the loss that is backpropagated was cut from the graph by ``.detach()``/``.item()``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


class LossPathCut(Rule):
    code = "GL104"
    name = "loss-path-cut"
    summary = (
        "`.detach()`, `.item()` or `float()` cuts the loss from the model before `backward()`."
    )
    what_it_does = """
Flags a value that leaves autograd's graph (`.detach()`, `.item()`, `.numpy()`, `.tolist()`,
`.data`, `float()`, `int()`, `torch.tensor(x.item())`) on the way from a model's output to the
loss passed to `backward()`: either the whole loss, or one added term of it (an adversarial
or regularisation term turned into a number contributes no gradient).

It stays quiet for a detached *target* (`criterion(pred, target.detach())`), an EMA teacher,
the `fake.detach()` of a GAN's discriminator step (the discriminator's forward still carries),
and `loss.item()` used for logging.
"""
    why_bad = """
A detached tensor or a Python number has no `grad_fn`. A loss made only of it makes
`backward()` fail or do nothing; a term made of it is a constant, so the optimizer never sees
its gradient and the part of the model it was meant to train never learns. Nothing warns: the
printed loss even includes the term.
"""
    example = """
adv = discriminator(generator(z))
loss = reconstruction + 1e-3 * float(adv.mean())
loss.backward()
"""
    use_instead = """
adv = discriminator(generator(z))
loss = reconstruction + 1e-3 * adv.mean()
loss.backward()
"""
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl104/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for cut in ctx.facts.cut_losses:
            if any(b.kind == "no_grad" for b in cut.blockers):
                continue  # GL103 reports it
            blocker = next((b for b in cut.blockers if b.kind == "cut"), None)
            if blocker is None:
                continue
            subject = "the loss" if cut.whole else "a term of the loss"
            yield ctx.finding(
                self.code,
                blocker.node,
                f"'{ctx.short_text(blocker.node)}' leaves the autograd graph, and {subject} "
                f"'{ctx.short_text(cut.loss)}' backpropagated at {ctx.line_ref(cut.backward)} "
                "is made from it: no gradient reaches the model through it (keep it a tensor)",
                severity=self.severity,
            )
