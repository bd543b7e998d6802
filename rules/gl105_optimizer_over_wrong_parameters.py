"""GL105: the optimizer holds other parameters than the ones training uses: built over a
model object that is replaced afterwards, or over another model than the one trained."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding
    from gradlint.analyzer.torch_optimizer_params import OtherModelOptimizer, StaleOptimizer


class OptimizerOverWrongParameters(Rule):
    code = "GL105"
    name = "optimizer-over-wrong-parameters"
    summary = (
        "The optimizer holds the parameters of a model that was replaced after it was built, "
        "or of another model than the one trained."
    )
    what_it_does = """
Flags an assignment that gives a model new parameters after an optimizer was built over its
`.parameters()`, when the optimizer is not built again afterwards and training goes on: the
model re-instantiated (`model = Net()`), deep-copied back (`model = copy.deepcopy(model)`),
loaded whole (`model = torch.load(path)`), replaced by Opacus's `ModuleValidator.fix(model)`,
or a layer swapped (`model.fc = nn.Linear(...)`, `model.classifier[6] = ...`).

It stays quiet for what keeps the parameters: `model.to(device)`, `.cuda()`, `.half()`,
`.float()`, `.train()` (they convert in place and return the module itself), wrappers that
share them (`torch.compile(model)`, `DistributedDataParallel(model)`, `nn.DataParallel(model)`,
`accelerator.prepare(model)`), `model.load_state_dict(...)`, an EMA or teacher copy bound to
another name, a head replaced before the optimizer is built, an optimizer built again (or
given the new parameters with `add_param_group`) after the replacement, and a new instance
that is only evaluated.

It also flags a `backward()` whose loss is computed only from a model no optimizer holds
while an optimizer over another model steps after it (`opt = SGD(model.parameters())`, then
`loss = criterion(net(x), y)`). Only when both are known: the model trained is a name bound
to a new module in the file and only called (never handed to other code, made part of
another model, or given to an optimizer), and every optimizer's parameters are known. A
teacher or EMA model next to the trained one, a part of the optimizer's model, and a loss
that also calls a same-module function stay quiet.
"""
    why_bad = """
An optimizer keeps references to the tensors it was given. After the replacement the forward
pass uses new parameters that no optimizer holds: `backward()` fills their `.grad`, the
optimizer steps the old, unused tensors, and the model (or the new layer) never learns.
Nothing fails; the loss just stays flat, as in the reports of a model instantiated twice and
of an optimizer built before Opacus's `ModuleValidator.fix`. An optimizer over another model
than the one trained is the same bug from the start: the model trained gets gradients that
no optimizer reads, and the optimizer's model gets none.
"""
    example = """
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model = ModuleValidator.fix(model)
"""
    use_instead = """
model = Net()
model = ModuleValidator.fix(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
"""
    required_text = ("backward",)
    required_calls = ("backward", "manual_backward")

    #: rules/examples/gl105/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for stale in ctx.facts.stale_optimizers:
            yield ctx.finding(
                self.code, stale.statement, message(ctx, stale), severity=self.severity
            )
        for other in ctx.facts.optimizers_over_other_models:
            yield ctx.finding(
                self.code, other.site.call, other_message(ctx, other), severity=self.severity
            )


def message(ctx: ModuleContext, stale: StaleOptimizer) -> str:
    """Says which optimizer holds the old parameters, and to build it after the change."""
    optimizer = stale.optimizer
    built = (
        f"'{optimizer.key}' was built over {stale.owner}.parameters() at "
        f"{ctx.line_ref(optimizer.construction)}"
    )
    if stale.kind == "swapped":
        return (
            f"'{stale.target}' is {stale.how} after {built}: the new layer's parameters are in "
            f"no optimizer and never learn (build the optimizer after the swap)"
        )
    return (
        f"'{stale.target}' is {stale.how} after {built}: the optimizer keeps stepping the old "
        f"instance's parameters and the model trained from here never learns (build the "
        f"optimizer after this line)"
    )


def other_message(ctx: ModuleContext, other: OtherModelOptimizer) -> str:
    """Says which model trains without an optimizer, and which optimizer steps instead."""
    optimizer = other.optimizer
    return (
        f"'{other.site.loss_text}' is computed from '{other.model}' (built at "
        f"{ctx.line_ref(other.construction)}), whose parameters are in no optimizer, while "
        f"'{optimizer.key}' steps {other.owner}.parameters() (built at "
        f"{ctx.line_ref(optimizer.construction)}), which this loss never reaches: neither "
        f"model learns from it (build the optimizer over {other.model}.parameters())"
    )
