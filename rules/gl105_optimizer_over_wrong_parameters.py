"""GL105: the optimizer was built over a model object that is replaced afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding
    from gradlint.analyzer.torch_optimizer_params import StaleOptimizer


class OptimizerOverWrongParameters(Rule):
    code = "GL105"
    name = "optimizer-over-wrong-parameters"
    summary = "The optimizer holds the parameters of a model that was replaced after it was built."
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
"""
    why_bad = """
An optimizer keeps references to the tensors it was given. After the replacement the forward
pass uses new parameters that no optimizer holds: `backward()` fills their `.grad`, the
optimizer steps the old, unused tensors, and the model (or the new layer) never learns.
Nothing fails; the loss just stays flat, as in the reports of a model instantiated twice and
of an optimizer built before Opacus's `ModuleValidator.fix`.
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

    #: rules/examples/gl105/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for stale in ctx.facts.stale_optimizers:
            yield ctx.finding(
                self.code, stale.statement, message(ctx, stale), severity=self.severity
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
