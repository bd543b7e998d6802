"""GL102: ``# optimizer.step()`` commented out after a backward that nothing else steps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


class CommentedOutStep(Rule):
    code = "GL102"
    name = "commented-out-step"
    summary = "An optimizer step is commented out, so the backward's gradients are never used."
    fixable = True
    what_it_does = """
Flags a commented-out `optimizer.step()` (also `opt.step(closure)` and `scaler.step(optimizer)`)
in a PyTorch training step whose backward pass no other step consumes. The fix uncomments it.
A commented-out step next to a live one is an old variant and is left alone, and so are
comments that only mention a step in prose (`# TODO: optimizer.step() after clipping`).

A step commented out in one branch of an `if` whose other branch steps (the optimizer's step
commented out under `if use_optimizer:`, a hand-written update under `else:`) is reported
too, unless a step after the `if` runs on every path: the paths through that branch lose
their update. So is a step commented out in a helper without a backward of its own that the
training step calls in one such branch after its backward (`optimize_normal()` beside an
`optimize_fp16()` that steps), and an `opt.step(closure)` commented out beside the closure
whose backward only that step would run.
"""
    why_bad = """
Commenting out the step while debugging and forgetting to restore it freezes the model
silently: `backward()` keeps filling `.grad`, the loss is printed each iteration, and no
weight ever changes. PyTorch raises no error for it.
"""
    example = """
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    # optimizer.step()
"""
    use_instead = """
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        from gradlint.analyzer.findings import Fix

        for step in ctx.facts.commented_steps:
            statement = step.statement
            if len(statement) > 70:
                statement = statement[:67] + "..."
            backward = ctx.line_ref(step.site.call)
            if step.called_from is not None:
                caller, call = step.called_from
                message = (
                    f"optimizer step '{statement}' is commented out in {step.scope.name}(), "
                    f"which {caller.name}() calls in one branch ({ctx.line_ref(call)}): "
                    f"another branch steps, but on the paths through this one nothing "
                    f"consumes the gradients of the backward at {backward} (uncomment it)"
                )
            elif step.in_branch:
                message = (
                    f"optimizer step '{statement}' is commented out in this branch: another "
                    f"branch steps, but on the paths through this one nothing consumes the "
                    f"gradients of the backward at {backward} (uncomment it)"
                )
            else:
                message = (
                    f"optimizer step '{statement}' is commented out: nothing else consumes "
                    f"the gradients of the backward at {backward}, so the weights stay frozen "
                    "(uncomment it)"
                )
            fix = Fix("uncomment the step", (step.edit,)) if step.edit else None
            yield ctx.finding(
                self.code,
                step.comments[0],
                message,
                fix=fix,
                severity=self.severity,
                end_node=step.comments[-1],
            )
