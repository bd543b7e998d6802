"""Turns what a probe child observed at one site into a verdict.

The child only reports facts (steps, variables changed, gradient statistics, how the script
ended); the verdict is decided here, in the parent, so the rules that map evidence to a claim
live in one pure function that tests can drive without TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FROZEN = "frozen"
PARTIALLY_FROZEN = "partially-frozen"
UPDATED = "updated"
NO_GRADIENT = "no-gradient"
SKIPPED_STEPS = "skipped-steps"
NOT_REACHED = "not-reached"
ERROR = "error"
UNAVAILABLE = "unavailable"

VERDICTS = (
    FROZEN,
    PARTIALLY_FROZEN,
    UPDATED,
    NO_GRADIENT,
    SKIPPED_STEPS,
    NOT_REACHED,
    ERROR,
    UNAVAILABLE,
)
#: Verdicts that prove a bug: they make ``gradlint confirm`` exit 1.
FAILING = frozenset({FROZEN, PARTIALLY_FROZEN, NO_GRADIENT})
#: Verdicts that answer the question for a site; a site with none of them on any device was
#: not checked, and that makes ``gradlint confirm`` exit 2.
CONCLUSIVE = FAILING | {UPDATED, SKIPPED_STEPS}

# How a device's run ended (reported by the child, or decided by the parent when the child
# could not report).
STOPPED = "stopped"  # the probe stopped the script after N steps at every site
FINISHED = "finished"  # the script ended on its own
RAISED = "raised"  # the script raised (or exited with a non-zero status)
TIMEOUT = "timeout"
ABSENT = "unavailable"  # the device is not there


@dataclass
class SiteFacts:
    """What one child saw at one ``tape.gradient`` site (see the probe for how it is measured)."""

    line: int
    end_line: int
    steps: int = 0
    variables: int = 0
    changed: int = 0
    unchanged_names: list[str] = field(default_factory=list)
    max_abs_delta: float | None = None
    #: The largest finite global gradient norm over the observed steps (None: not measured).
    grad_norm: float | None = None
    #: Gradient computations whose statistics were measured, and how many of them were empty
    #: (every gradient None, or a global norm of exactly 0) or non-finite.
    grad_steps: int = 0
    empty_steps: int = 0
    nonfinite_steps: int = 0
    #: Every gradient returned at this site was None (known even when no step ran, e.g. when
    #: Keras raised "No gradients provided" while tracing).
    all_none: bool = False
    none_gradients: int = 0
    update_calls: int = 0
    #: Steps a loss-scale optimizer skipped (None: no such optimizer seen).
    skipped_steps: int | None = None
    #: Where the watched variables live (not where the step's ops ran).
    device_names: list[str] = field(default_factory=list)
    #: Devices of the gradient tensors, where the step's ops ran (measured in eager mode).
    gradient_devices: list[str] = field(default_factory=list)
    mode: str = "eager"
    #: Why the observation cannot be trusted (e.g. a variable changed shape), or None.
    invalid: str | None = None
    #: Nothing (or not everything) had changed after the steps asked for, so the site was
    #: observed for longer.
    extended: bool = False
    #: Optimizer updates of these variables that executed, from the optimizer's iteration
    #: counter (None: no counter; in graph mode an update may be traced and never run).
    update_executions: int | None = None
    #: Which probe measured this: "tensorflow" or "torch" (the words of the details differ).
    framework: str = "tensorflow"

    @classmethod
    def from_dict(cls, data: dict) -> SiteFacts:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Outcome:
    """How one device's run ended."""

    kind: str
    message: str = ""  # error: "Type: message"; unavailable/timeout: the reason
    where: str = ""  # error: the user's innermost frame, e.g. "line 12 in main"


@dataclass
class Verdict:
    verdict: str
    detail: str


def decide(facts: SiteFacts | None, outcome: Outcome, steps_wanted: int) -> Verdict:
    """The verdict for one site on one device."""
    if outcome.kind == ABSENT:
        return Verdict(UNAVAILABLE, outcome.message or "device not available")
    if facts is None:
        if outcome.kind == RAISED:
            return Verdict(ERROR, _error_detail(outcome, "before the site ran"))
        if outcome.kind == TIMEOUT:
            return Verdict(NOT_REACHED, f"{outcome.message}; the site never ran")
        return Verdict(NOT_REACHED, "the script ended without running this site")
    if facts.all_none or (facts.grad_steps and facts.empty_steps == facts.grad_steps):
        what = "None" if facts.all_none else "None or zero"
        detail = f"every gradient was {what}: the loss is not connected to the weights"
        if outcome.kind == RAISED:
            detail += f" (then the script raised {outcome.message})"
        return Verdict(NO_GRADIENT, detail)
    if outcome.kind == RAISED:
        return Verdict(ERROR, _error_detail(outcome, f"after {facts.steps} step(s)"))
    if facts.invalid:
        return Verdict(ERROR, f"invalid observation: {facts.invalid}")
    if facts.variables == 0:
        return Verdict(
            ERROR,
            "the sources hold no trainable variable, so there are no weights "
            "to watch (a gradient with respect to tensors)",
        )
    if facts.steps == 0:
        if outcome.kind == TIMEOUT:
            return Verdict(NOT_REACHED, f"{outcome.message}; the site ran but no step completed")
        return Verdict(NOT_REACHED, "the site was reached but no step completed")
    short = ""
    if facts.steps < steps_wanted:
        ended = outcome.message if outcome.kind == TIMEOUT else "the script ended"
        short = f"; only {facts.steps} of {steps_wanted} steps ran ({ended})"
    longer = ""
    if facts.extended:
        longer = f" ({steps_wanted} asked; observed longer in case of an update every few steps)"
    torch = facts.framework == "torch"
    variables = "parameters" if torch else "variables"
    if facts.changed == facts.variables:
        executed = ""
        if facts.update_executions:
            executed = f"; {_update_name(facts)} executed {_times(facts.update_executions)}"
        return Verdict(
            UPDATED,
            f"{facts.changed} of {facts.variables} {variables} changed in "
            f"{_steps(facts.steps)}{longer}, max |delta| {_num(facts.max_abs_delta)}"
            f"{executed}{short}",
        )
    if facts.changed:
        names = ", ".join(facts.unchanged_names[:8])
        more = len(facts.unchanged_names) - 8
        if more > 0:
            names += f" and {more} more"
        return Verdict(
            PARTIALLY_FROZEN,
            f"{facts.variables - facts.changed} of "
            f"{facts.variables} {variables} never changed in {_steps(facts.steps)}"
            f"{longer}: {names}{short}",
        )
    skipped = facts.skipped_steps is not None and facts.skipped_steps >= facts.steps
    nonfinite = facts.grad_steps and facts.nonfinite_steps == facts.grad_steps
    if skipped or nonfinite:
        return Verdict(
            SKIPPED_STEPS,
            f"{'the GradScaler' if torch else 'the loss-scale optimizer'} skipped all "
            f"{_steps(facts.steps)} (non-finite gradients); this is "
            f"not a freeze: run more steps (--steps){short}",
        )
    norm = (
        f"gradients were non-zero (global norm up to {_num(facts.grad_norm)})"
        if facts.grad_norm
        else "gradient norm not measured"
    )
    return Verdict(
        FROZEN,
        f"{norm}, {_updates(facts)}, yet none of {facts.variables} {variables} changed "
        f"by a single bit in {_steps(facts.steps)}{longer}{short}",
    )


def _update_name(facts: SiteFacts) -> str:
    return "an optimizer.step()" if facts.framework == "torch" else "an optimizer update"


def _updates(facts: SiteFacts) -> str:
    """Whether an optimizer update of these variables was called, and whether it executed
    (in a compiled step, the update's Python runs when it is traced, not when it runs)."""
    if facts.framework == "torch":
        return _torch_updates(facts)
    if facts.update_calls == 0:
        return "no optimizer update was called"
    if facts.update_executions is None:
        if facts.mode == "graph":
            return "an optimizer update was traced (whether it executed is not known)"
        return "an optimizer update was called"
    if facts.update_executions == 0:
        if facts.mode == "graph":
            return "an optimizer update was traced but never executed"
        return "an optimizer update was called but never executed"
    return f"an optimizer update executed {_times(facts.update_executions)}"


def _torch_updates(facts: SiteFacts) -> str:
    """Steps of the optimizers that hold these parameters (PyTorch counts every call)."""
    if facts.update_calls == 0:
        return "no optimizer.step() of an optimizer holding these parameters was called"
    executed = facts.update_executions or 0
    if executed == 0:
        return "optimizer.step() was called but never completed"
    return f"an optimizer.step() completed {_times(executed)}"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _error_detail(outcome: Outcome, when: str) -> str:
    where = f" at {outcome.where}" if outcome.where else ""
    return f"the script raised {when}{where}: {outcome.message}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"
