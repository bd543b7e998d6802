"""GL106: a training loop steps every iteration but never clears ``.grad``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


class GradientsNeverCleared(Rule):
    code = "GL106"
    name = "gradients-never-cleared"
    summary = "A loop backpropagates and steps, but never clears `.grad` between iterations."
    what_it_does = """
Flags an optimizer step in a loop that calls `backward()` and steps, when nothing in the loop
clears the gradients that step reads: no `optimizer.zero_grad()` (or `set_to_none=True`),
`model.zero_grad()`, `p.grad = None` or `p.grad.zero_()` in the loop body or in a function it
calls. It checks each optimizer: `opt_d.zero_grad()` does not clear the generator's `.grad`.
A same-module helper that backpropagates and steps once per call counts as part of the loop
that calls it (directly or through other functions): then the helper's own clearings count
too, wherever they are in it.

It stays quiet for gradient accumulation that clears after its k-th step, a clearing in a
helper the loop calls, `opt.step(closure)` (the closure clears), an optimizer handed to code
gradlint cannot see, engines that clear themselves (DeepSpeed), `torch.autograd.grad` (it
fills no `.grad`), a single backward and step outside a loop, and frameworks that run the
loop (Lightning's automatic optimization, the Hugging Face `Trainer`).

This is a warning, not an error: the weights do move, just not as intended.
"""
    why_bad = """
`backward()` adds into `.grad`; it never overwrites it. Without clearing, every step uses the
sum of all gradients since the start of training: the effective learning rate grows with each
iteration and training diverges or crawls. Nothing fails and the loss is printed as usual,
as in the reports of trainers that never call `zero_grad()`.
"""
    example = """
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""
    use_instead = """
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""
    severity = "warning"
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl106/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for uncleared in ctx.facts.uncleared_loops:
            step = ctx.short_text(uncleared.step.node, 40)
            optimizer = uncleared.step.optimizer or "optimizer"
            every = "on some iterations" if uncleared.conditional else "every iteration"
            through = ""
            if uncleared.entry is not None:
                helpers = " -> ".join(f"{name}()" for name in uncleared.via)
                through = f" (through {helpers} at {ctx.line_ref(uncleared.entry)})"
            yield ctx.finding(
                self.code,
                uncleared.step.node,
                f"'{step}' runs {every} of the loop at {ctx.line_ref(uncleared.loop)}{through}, "
                f"but nothing in the loop clears .grad: each backward() at "
                f"{ctx.line_ref(uncleared.backward.call)} adds to all earlier gradients "
                f"(call {optimizer}.zero_grad() in the loop, after the step)",
                severity=self.severity,
            )
