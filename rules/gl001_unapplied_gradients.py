"""GL001: gradients of trainable weights that never reach a weight update."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding
    from gradlint.analyzer.returned_gradients import DroppedByCaller
    from gradlint.analyzer.training import UnappliedSite


class UnappliedGradients(Rule):
    code = "GL001"
    name = "unapplied-gradients"
    summary = "Gradients of trainable weights are computed but never reach a weight update."
    what_it_does = """
Flags a `tape.gradient(loss, weights)` call on a `tf.GradientTape` whose result never reaches
anything that changes the weights: no `optimizer.apply_gradients(...)`, Keras 3
`optimizer.apply(...)`, `assign_sub`/`assign_add`/`scatter_*`, no `return`/`yield`, no storage
that outlives the function and no call that might do any of those. It fires only where the
sources are trainable weights (`*.trainable_variables`, `*.trainable_weights`, `tf.Variable`s)
and the code is a training step: an optimizer is in reach, the step runs in a loop (or is
called from one), or it is a Keras `Model.train_step` override.

Graph-mode code without a tape is read the same way: `tf.gradients(loss, tvars)`, an
optimizer's `compute_gradients(loss, var_list)` (without a `var_list`: every trainable
variable) and Keras 2's `optimizer.get_gradients(loss, params)`, with
`tf.compat.v1.trainable_variables()` and the `TRAINABLE_VARIABLES` collection as weights. A
gradient fed to another `tf.gradients` (a Hessian-vector product) is used, and gradients of
a loss that `optimizer.minimize(loss)` trains on the same path are only a summary. TF1
eager's gradient functions (`grad = tfe.implicit_gradients(loss_fn)`,
`implicit_value_and_gradients`) count too: calling one yields its gradients, and a function
never called for an update is reported where it is built.

An `apply_gradients(self, grads_and_vars, ...)` override in an optimizer subclass that reads
its gradients and never hands them on (to `super().apply_gradients`, another optimizer, an
`assign_sub`, a return) freezes every model trained with it: it is reported at the `def`.

Printing, logging, `tf.summary`, norms and `len` only observe the gradients; they do not count.

A function that only returns its gradients (`return loss, tape.gradient(...)`, as in
TensorFlow's custom-training tutorial, or a `compute_gradients` method) hands them to its
callers: gradlint follows them into every caller it can see (same module, later notebook
cells, `self.` calls of the class, other modules of the project) and reports the
`tape.gradient` call, naming the caller, when a caller binds them and never applies them.
A function without a visible caller, a caller inside a test, and an exported
`@tf.function(input_signature=...)` signature stay quiet. When such a function differentiates
a parameter (`def backprop(x, y, variables)`), a caller counts only where it passes weights
for it.
"""
    why_bad = """
Nothing fails. The script runs, prints a loss every step, and the weights stay bit-for-bit at
their initial values: the classic result of an `apply_gradients` line commented out while
debugging, a GAN whose discriminator gradients are dropped, or a `train_step` override that
forgets the update. It can cost hours of GPU time before anyone notices the loss is flat.
"""
    example = """
@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""
    use_instead = """
@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""

    #: A tape, or graph-mode gradients without one (``tf.gradients``, an optimizer's
    #: ``compute_gradients``/``get_gradients``). ``tape.gradient(`` alone: a tape received
    #: from the caller or returned by a helper, in a file that never spells the class.
    required_text = (
        "GradientTape",
        "tape.gradient(",
        ".gradients(",
        "compute_gradients(",
        "get_gradients(",
        "def apply_gradients(",
        "implicit_gradients(",
        "implicit_value_and_gradients(",
    )

    #: rules/examples/gl001/valid/*.py and invalid/*.py, one program per file.
    VALID = ExampleFiles("valid")
    INVALID = ExampleFiles("invalid")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for problem in ctx.facts.unapplied_gradients:
            yield ctx.finding(
                self.code, problem.site.call, message(problem), severity=self.severity
            )
        for dropped in ctx.facts.gradients_dropped_by_callers:
            yield ctx.finding(
                self.code, dropped.site.call, caller_message(dropped), severity=self.severity
            )
        for override in ctx.facts.unapplied_overrides:
            yield ctx.finding(
                self.code,
                override.scope.node.name,  # type: ignore[attr-defined]  # a FunctionDef
                f"'{override.class_name}.apply_gradients' never hands its gradients "
                f"'{override.parameter}' to an update; every model trained with this "
                "optimizer stays frozen (end it with "
                f"return super().apply_gradients({override.passed_on}, **kwargs))",
                severity=self.severity,
            )


def message(problem: UnappliedSite) -> str:
    """Names the dropped gradients and writes the update that would apply them."""
    names = problem.gradient_names
    if problem.site.gradient_function:
        return _function_message(problem)
    grads = ", ".join(names) if names else None
    subject = f"gradients '{grads}'" if grads else "the result of tape.gradient"
    grads_expr = names[0] if len(names) == 1 else f"[{grads}]" if names else "grads"
    sources = problem.sources_text
    if problem.pairs:
        pairs = grads_expr
    elif len(names) <= 1 and sources.isidentifier() and problem.single_variable:
        pairs = f"[({grads_expr}, {sources})]"
    else:
        pairs = f"zip({grads_expr}, {sources})"
    fix = f"{problem.optimizer_text}.apply_gradients({pairs})"
    if problem.partial:
        return (
            f"gradient '{grads}' of '{sources}' never reaches an update while the other "
            f"gradients of this call do; '{sources}' stays frozen (update it too, e.g. "
            f"{sources}.assign_sub(learning_rate * {grads}))"
        )
    verb = "never reach" if grads else "never reaches"
    action = f"add {fix}" if grads else f"assign it, grads = tape.gradient(...), and add {fix}"
    return (
        f"{subject} of '{sources}' {verb} an optimizer update; the weights stay frozen ({action})"
    )


def _function_message(problem: UnappliedSite) -> str:
    """TF1 eager's ``grad = tfe.implicit_gradients(loss_fn)``: the function is never called
    for an update."""
    name = problem.gradient_names[0] if problem.gradient_names else None
    attr = getattr(problem.site.call.func, "attr", None)  # tfe.implicit_value_and_gradients
    with_value = attr is not None and "value" in attr.value
    called = f"{name or 'grad_fn'}(...)" + ("[1]" if with_value else "")
    subject = f"gradient function '{name}'" if name else "the gradient function"
    return (
        f"{subject} yields the gradients of every trainable variable it touches, and none "
        f"of them reaches an optimizer update; the weights stay frozen (add "
        f"{problem.optimizer_text}.apply_gradients({called}))"
    )


def caller_message(problem: DroppedByCaller) -> str:
    """Names the caller that drops returned gradients, and the update it needs there."""
    *through, last = problem.chain
    route = "".join(f"{ref.describe()}, then to " for ref in through) + last.describe()
    held = last.holders[-1] if last.holders else None
    fix = (
        f"{problem.optimizer_text}.apply_gradients(zip({held or 'grads'}, {problem.sources_text}))"
    )
    where = f"'{last.name}'" if last.name else "that code"
    kept = f" as '{held}'" if held else ""
    return (
        f"gradients of '{problem.sources_text}' are returned to {route}{kept} and never "
        f"reach an optimizer update there; the weights stay frozen (add {fix} in {where})"
    )
