"""GL101: a PyTorch backward fills ``.grad`` that no optimizer step consumes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding
    from gradlint.analyzer.steps import Consumption


class GradientsNeverStepped(Rule):
    code = "GL101"
    name = "gradients-never-stepped"
    summary = "A backward pass fills `.grad`, but no optimizer step ever consumes it."
    what_it_does = """
Flags a PyTorch backward pass (`loss.backward()`, `accelerator.backward(loss)`,
`scaler.scale(loss).backward()`, `torch.autograd.backward(loss)`, Lightning's
`self.manual_backward(loss)`) in a training step whose gradients no update consumes: no
`optimizer.step()`, `scaler.step(optimizer)`, `optimizer.step(closure)`, engine step or manual
`p -= lr * p.grad` on any path after it (later in the function, anywhere in the loop around it,
in a helper it calls, or in its callers after it returns).

It checks each optimizer: when the loss comes from a model that has its own optimizer, that
optimizer must step. The forgotten discriminator step of a GAN (`d_loss.backward()` while only
the generator's optimizer steps) is reported too.

A step after the loop does not save a loop that clears the gradients on every pass and steps
nothing in between (`for batch in loader: optimizer.zero_grad(); loss.backward()`, followed
by a second training phase or a later notebook cell that trains again): every batch but the
last is thrown away, so that backward is reported, naming the clearing. Likewise a
`zero_grad()` right after the backward (the step between them lost) empties the gradients
before anything later, a caller, another method or a framework loop, could step them, and a
step whose own function or closure clears its optimizer first steps only what it computes.
A first backward with `retain_graph=True` that is cleared before a second backward over the
same graph, which its optimizers step, is a statistics pass (Opacus' ghost clipping, K-FAC)
and is left alone.

It stays quiet where something else may step: an optimizer handed to another function, a
method of a framework class (a Hugging Face `Trainer`, whose loop steps), an LBFGS closure,
code that reads `.grad` itself (saliency maps, gradients returned to a caller, an optimizer's
`_gather_flat_grad()`), code named as an optimizer that the file does not hold (an optimizer
object called on the parameters, a hand-written `optimizer_fn(params, ...)`, a
`self.run_optimizer()` of a base class in another module), a backward helper that nothing in
the file calls (`run_fwd_bwd`, a test model's `run_backward`: its callers are elsewhere),
unit tests, and code with no optimizer in reach.
"""
    why_bad = """
Nothing fails. `backward()` fills `.grad` on every iteration, the loss is printed, and the
weights stay exactly where they were initialised. PyTorch never raises an error for this (there
is no "No gradients provided" as in TensorFlow), so the bug is found by a flat loss curve, if
at all: "the weight never gets updated", "the discriminator never learns".
"""
    example = """
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    accelerator.backward(loss)
"""
    use_instead = """
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    accelerator.backward(loss)
    optimizer.step()
"""
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl101/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for problem in ctx.facts.unstepped_backwards:
            yield ctx.finding(
                self.code,
                problem.site.call,
                message(problem, ctx),
                severity=self.severity,
            )


def message(problem: Consumption, ctx: ModuleContext) -> str:
    """Names the optimizer that should step, and the step to add; a later step whose
    ``.grad`` a ``zero_grad()`` empties first is named with it (it reads none of these)."""
    site = problem.site
    subject = f"backward of '{site.loss_text}'"
    # Only an optimizer the backward's code can name is worth suggesting: a local ``opt``
    # of another function over a model of the same name is not the one to step here.
    chain = set(site.scope.chain())
    needed = [o for o in problem.needed if o.scope in chain or o.key.startswith("self.")]
    step = f"{needed[0].key}.step()" if needed else "optimizer.step()"
    if problem.cleared_each_pass is not None:
        clearing, loop = problem.cleared_each_pass
        return (
            f"{subject} fills .grad that {ctx.short_text(clearing, 40)} "
            f"({ctx.line_ref(clearing)}) clears on the next pass of the loop at "
            f"{ctx.line_ref(loop)}, which steps nothing: every pass but the last loses its "
            f"gradients (add {step} after the backward)"
        )
    cleared = ""
    if problem.cleared:
        step, clearing = problem.cleared[0]
        cleared = (
            f"; {ctx.short_text(clearing, 40)} ({ctx.line_ref(clearing)}) clears them "
            f"before {ctx.short_text(step.node, 40)} runs"
        )
    if needed:
        stepped = {step.optimizer for step in problem.stepped}
        keys = list(dict.fromkeys(o.key for o in needed))
        keys.sort(key=lambda key: key in stepped)  # one that never steps comes first
        owners = sorted({owner for o in needed if o.key == keys[0] for owner in o.owners})
        over = f" (over {', '.join(owners)}.parameters())" if owners else ""
        if problem.stepped and keys[0] not in stepped:
            return (
                f"{subject} fills .grad of the weights of '{keys[0]}'{over}, which never steps "
                f"after it; only other optimizers do{cleared} (add {keys[0]}.step())"
            )
        return (
            f"{subject} fills .grad that no optimizer step consumes; the weights stay frozen"
            f"{cleared} (add {keys[0]}.step() after it)"
        )
    return (
        f"{subject} fills .grad that no optimizer step consumes; the weights stay frozen"
        f"{cleared} (add optimizer.step() after it)"
    )
