"""GL005: apply_gradients(zip(variables, grads)): the pair is in the wrong order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import Invalid, Rule
from gradlint.rules.example_snippets import TRAIN_STEP_HEAD

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding

_HEAD = TRAIN_STEP_HEAD


def _case(bad: str, good: str) -> Invalid:
    """The finding is at the update call, whose first line holds ``optimizer.``."""
    offset = next(i for i, line in enumerate(bad.splitlines()) if "optimizer." in line)
    return Invalid(_HEAD + bad, _HEAD.count("\n") + 1 + offset, fixed=_HEAD + good)


class SwappedPairs(Rule):
    code = "GL005"
    name = "swapped-gradient-pairs"
    summary = "apply_gradients gets (variable, gradient) pairs instead of (gradient, variable)."
    fixable = True
    what_it_does = """
Flags `optimizer.apply_gradients(zip(variables, grads))`, where the pairs are built in the
wrong order, and Keras 3's `optimizer.apply(variables, grads)`. The first argument must be the
gradients, the second the variables.

Loops over `zip(model.trainable_variables, grads)` that update or log each variable are not
updates through the optimizer and are not reported.

The fix swaps the two arguments.
"""
    why_bad = """
`apply_gradients` expects `(gradient, variable)` pairs. Swapped, it tries to update the
gradient tensors with the variables as "gradients": depending on the TensorFlow version this
fails with a confusing error about non-variable objects, or the real variables are simply not
among the updated ones, and the model does not learn.
"""
    example = """
grads = tape.gradient(loss, model.trainable_variables)
optimizer.apply_gradients(zip(model.trainable_variables, grads))
"""
    use_instead = """
grads = tape.gradient(loss, model.trainable_variables)
optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

    VALID = [
        _HEAD + "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
        # trap: a manual update loop over (variable, gradient)
        _HEAD
        + """\
    for var, grad in zip(model.trainable_variables, grads):
        var.assign_sub(0.01 * grad)
""",
        # trap: a logging loop
        _HEAD
        + """\
    for var, grad in zip(model.trainable_variables, grads):
        tf.summary.histogram(var.name + "/gradient", grad)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # Keras 3 apply in the right order
        _HEAD + "    optimizer.apply(grads, model.trainable_variables)\n",
        # pairs built once, in the right order
        _HEAD
        + """\
    pairs = list(zip(grads, model.trainable_variables))
    optimizer.apply_gradients(pairs)
""",
        # a dictionary from variables to gradients is not the pair list
        _HEAD
        + """\
    by_var = dict(zip(model.trainable_variables, grads))
    optimizer.apply_gradients((by_var[v], v) for v in model.trainable_variables)
""",
        # keyword argument in the right order
        _HEAD
        + """\
    optimizer.apply_gradients(grads_and_vars=zip(grads, model.trainable_variables))
""",
    ]
    INVALID = [
        _case(
            "    optimizer.apply_gradients(zip(model.trainable_variables, grads))  # GL005\n",
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))  # GL005\n",
        ),
        _case(
            "    optimizer.apply_gradients(list(zip(model.trainable_weights, grads)))  # GL005\n",
            "    optimizer.apply_gradients(list(zip(grads, model.trainable_weights)))  # GL005\n",
        ),
        _case(
            "    optimizer.apply(model.trainable_variables, grads)  # GL005\n",
            "    optimizer.apply(grads, model.trainable_variables)  # GL005\n",
        ),
        _case(
            "    optimizer.apply_gradients(\n"
            "        zip(model.trainable_variables,\n"
            "            grads))  # GL005\n",
            "    optimizer.apply_gradients(\n"
            "        zip(grads,\n"
            "            model.trainable_variables))  # GL005\n",
        ),
        _case(
            "    variables = model.trainable_variables\n"
            "    optimizer.apply_gradients(zip(variables, grads))  # GL005\n",
            "    variables = model.trainable_variables\n"
            "    optimizer.apply_gradients(zip(grads, variables))  # GL005\n",
        ),
        _case(
            "    clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "    optimizer.apply_gradients(zip(model.trainable_variables, clipped))  # GL005\n",
            "    clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "    optimizer.apply_gradients(zip(clipped, model.trainable_variables))  # GL005\n",
        ),
        _case(
            "    optimizer.apply_gradients(grads_and_vars=zip(model.trainable_variables,"
            " grads))  # GL005\n",
            "    optimizer.apply_gradients(grads_and_vars=zip(grads,"
            " model.trainable_variables))  # GL005\n",
        ),
    ]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        from gradlint.analyzer.edits import node_text, replace_node
        from gradlint.analyzer.findings import Fix

        for update in ctx.facts.updates:
            if not update.swapped:
                continue
            first, second = update.first, update.second
            edits = (
                replace_node(ctx, first, node_text(ctx, second)),
                replace_node(ctx, second, node_text(ctx, first)),
            )
            fix = None
            if all(e is not None for e in edits):
                fix = Fix("swap the gradients and the variables", tuple(edits))
            shape = "zip({0}, {1})" if update.method == "apply_gradients" else "apply({0}, {1})"
            message = (
                "pairs are in the wrong order: "
                + shape.format(ctx.short_text(first, 40), ctx.short_text(second, 40))
                + " passes the variables as gradients (write "
                + shape.format(ctx.short_text(second, 40), ctx.short_text(first, 40))
                + ")"
            )
            yield ctx.finding(self.code, update.call, message, fix=fix, severity=self.severity)
