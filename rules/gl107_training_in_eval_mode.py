"""GL107: a training loop switches its model to eval mode and never back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


class TrainingInEvalMode(Rule):
    code = "GL107"
    name = "training-in-eval-mode"
    summary = "A training loop puts its model in eval mode and the next iterations train in it."
    what_it_does = """
Flags a `model.eval()` (or `model.train(False)`, or a call of a same-module helper that
leaves the model it is handed in eval mode, such as an `evaluate(model)` that never calls
`model.train()`) inside a loop that trains that model, when the next training forward pass
can run without a `model.train()` in between: the validation pass every N steps that
leaves the rest of the epoch in eval mode.

It stays quiet when `model.train()` runs on every path back to the training forward (at the
top of the loop body or right after the evaluation), when the helper switches the model
back itself, when the eval comes before the forward in every iteration (training in eval
mode on purpose, as fine-tuning with frozen batch norm does), when the loop ends right after
it, when the model is handed to code gradlint cannot see (it may switch it back), for
`eval()` on a part of the model (`model.backbone.eval()` freezes that part on purpose), for
a model that no optimizer holds and nothing switches to training mode (a DQN's target
network), and for a model built in the module only from layers that eval mode does not
change (no dropout, no batch norm: it computes the same in both modes).

This is a warning, not an error: the weights do move, just not as intended.
"""
    why_bad = """
In eval mode dropout is off and batch-norm layers use, and no longer update, their running
statistics. The first iterations train as intended; every iteration after the first
evaluation trains a different network, with no error and a plausible loss: the report of
"a model left in eval mode for all but the first micro-batch".
"""
    example = """
model.train()
for step, (x, y) in enumerate(loader):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        model.eval()
        validate(model)
"""
    use_instead = """
for step, (x, y) in enumerate(loader):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        model.eval()
        validate(model)
"""
    severity = "warning"
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl107/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for leak in ctx.facts.eval_mode_leaks:
            switch = ctx.short_text(leak.switch, 40)
            how = ""
            if leak.inner is not None:
                helpers = " -> ".join(f"{name}()" for name in leak.via)
                inner = ctx.short_text(leak.inner, 40)
                how = f" ({helpers} calls '{inner}' and never switches back)"
            yield ctx.finding(
                self.code,
                leak.switch,
                f"'{switch}'{how} leaves {leak.model} in eval mode in the training loop at "
                f"{ctx.line_ref(leak.loop)}: the training forward at {ctx.line_ref(leak.forward)} "
                f"can run after it without {leak.model}.train(), with dropout off and batch-norm "
                f"statistics frozen (call {leak.model}.train() before the forward, at the top of "
                f"the loop body)",
                severity=self.severity,
            )
