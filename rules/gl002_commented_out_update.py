"""GL002: the weight update is commented out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import ExampleFiles, Invalid, Rule
from gradlint.rules.example_snippets import TRAIN_STEP_HEAD

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding

_HEAD = TRAIN_STEP_HEAD
_HEAD_LINES = _HEAD.count("\n")


class _InlineAndFiles:
    """The examples written inline below, then those kept as files under
    ``rules/examples/gl002/`` (read on first use, like :class:`ExampleFiles`)."""

    def __init__(self, kind: str, inline: list) -> None:
        self.files = ExampleFiles(kind)
        self.inline = inline

    def __get__(self, instance: object, owner: type[Rule]) -> list:
        return self.inline + self.files.__get__(instance, owner)


def _case(bad: str, good: str, head: str = _HEAD) -> Invalid:
    """The finding is on the first commented line of ``bad``."""
    offset = next(i for i, line in enumerate(bad.splitlines()) if "#" in line)
    return Invalid(head + bad, head.count("\n") + 1 + offset, fixed=head + good)


class CommentedOutUpdate(Rule):
    code = "GL002"
    name = "commented-out-update"
    summary = "The optimizer update is commented out, so the weights never change."
    fixable = True
    what_it_does = """
Flags a comment that, without its `#`, is a statement updating weights:
`*.apply_gradients(...)`, Keras 3 `optimizer.apply(...)`, `*.minimize(...)` or
`*.assign_sub(...)`, in a function (or script) that computes gradients (with a
`tf.GradientTape`, or in graph mode with `tf.gradients` or an optimizer's
`compute_gradients`) and never applies the gradients the comment names.

Prose that mentions `apply_gradients` ("we call optimizer.apply_gradients later"), strings
and docstrings are not code and are not reported, and neither is a commented-out variant next
to an update that is still there.

The fix uncomments the statement at the indentation of the block it sits in.
"""
    why_bad = """
Commenting out the update "for a debugging attempt" is the classic way to freeze a model: the
script still runs, prints a loss every step, and the weights never move. Nothing fails, so it
is found only when someone wonders why the loss is flat.
"""
    example = """
grads = tape.gradient(loss, model.trainable_variables)
# optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    use_instead = """
grads = tape.gradient(loss, model.trainable_variables)
optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

    #: The scopes it reads compute gradients: GL001's text.
    required_text = (
        "GradientTape",
        "tape.gradient(",
        ".gradients(",
        "compute_gradients(",
        "get_gradients(",
        "implicit_gradients(",
        "implicit_value_and_gradients(",
    )

    _VALID_INLINE = [
        # the update is live
        _HEAD + "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
        # trap: prose that mentions apply_gradients
        _HEAD
        + """\
    # we call optimizer.apply_gradients later, after the gradients are all-reduced
    return grads
""",
        # trap: the text is in a docstring / string, not a comment
        _HEAD
        + '''\
    """Example:

    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    """
    return grads
''',
        # trap: a commented-out variant next to the live update
        _HEAD
        + """\
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    clipped, _ = tf.clip_by_global_norm(grads, 1.0)
    optimizer.apply_gradients(zip(clipped, model.trainable_variables))
""",
        # an update-looking comment in a function without a tape
        """\
def evaluate(model, data):
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return model.evaluate(data)
""",
        # "TODO: optimizer.apply_gradients(...)" is an annotation, not an update statement
        _HEAD
        + """\
    # TODO: optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return grads
""",
        # the comment names other gradients than the ones computed here
        _HEAD
        + """\
    # optimizer.apply_gradients(zip(old_grads, model.trainable_variables))
    print(tf.linalg.global_norm(grads))
    return loss
""",
        # a commented alternative next to the live update on the same path
        _HEAD
        + """\
    clipped, _ = tf.clip_by_global_norm(grads, 1.0)
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    optimizer.apply_gradients(zip(clipped, model.trainable_variables))
""",
        # a commented alternative in one branch, the live update after the if (every path)
        _HEAD
        + """\
    if clip:
        grads = [tf.clip_by_norm(g, 1.0) for g in grads]
    else:
        # optimizer.apply_gradients(zip(grads, model.trainable_variables))
        pass
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # both branches apply; a commented alternative beside the live one in a branch
        _HEAD
        + """\
    if clip:
        clipped = [tf.clip_by_norm(g, 1.0) for g in grads]
        optimizer.apply_gradients(zip(clipped, model.trainable_variables))
    else:
        # optimizer.apply_gradients(zip(grads, model.trainable_variables[:1]))
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
    ]
    VALID = _InlineAndFiles("valid", _VALID_INLINE)
    _INVALID_INLINE = [
        # the seed story
        _case(
            "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "    return loss\n",
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "    return loss\n",
        ),
        # no space after '#'
        _case(
            "    #optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
        ),
        # commented out at column 0 by an editor that keeps the original indentation
        _case(
            "#    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "    return loss\n",
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "    return loss\n",
        ),
        # a statement over several commented lines
        _case(
            "    # optimizer.apply_gradients(\n"
            "    #     zip(grads, model.trainable_variables)\n"
            "    # )\n",
            "    optimizer.apply_gradients(\n"
            "        zip(grads, model.trainable_variables)\n"
            "    )\n",
        ),
        # Keras 3 optimizer.apply inside a loop body: stays in the loop
        _case(
            "    for step in range(3):\n"
            "        print(step)\n"
            "        # optimizer.apply(grads, model.trainable_variables)\n"
            "    return loss\n",
            "    for step in range(3):\n"
            "        print(step)\n"
            "        optimizer.apply(grads, model.trainable_variables)\n"
            "    return loss\n",
        ),
        # manual update of variables in a script
        _case(
            "    # w.assign_sub(0.1 * dw)  # disabled while debugging\n",
            "    w.assign_sub(0.1 * dw)  # disabled while debugging\n",
            head="""\
import tensorflow as tf

w = tf.Variable(1.0)
for x in [1.0, 2.0]:
    with tf.GradientTape() as tape:
        loss = (w * x - 1.0) ** 2
    dw = tape.gradient(loss, w)
""",
        ),
        # minimize with the tape, commented out
        _case(
            "    # optimizer.minimize(loss, model.trainable_variables, tape=tape)  # debug\n",
            "    optimizer.minimize(loss, model.trainable_variables, tape=tape)  # debug\n",
        ),
        # commented out in one branch while the other branch applies: that path is frozen
        _case(
            "    if clip:\n"
            "        clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "        optimizer.apply_gradients(zip(clipped, model.trainable_variables))\n"
            "    else:\n"
            "        # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "        pass\n",
            "    if clip:\n"
            "        clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "        optimizer.apply_gradients(zip(clipped, model.trainable_variables))\n"
            "    else:\n"
            "        optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            "        pass\n",
        ),
    ]
    INVALID = _InlineAndFiles("invalid", _INVALID_INLINE)

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        from gradlint.analyzer.findings import Fix

        for update in ctx.facts.commented_updates:
            statement = update.statement
            if len(statement) > 70:
                statement = statement[:67] + "..."
            if update.in_branch:
                message = (
                    f"weight update '{statement}' is commented out in this branch: whenever "
                    f"it runs, the gradients computed at {ctx.line_ref(update.site.call)} "
                    "reach no update, so the weights stay frozen (uncomment it)"
                )
            else:
                message = (
                    f"weight update '{statement}' is commented out: the gradients computed "
                    f"at {ctx.line_ref(update.site.call)} never reach it, so the weights stay "
                    "frozen (uncomment it)"
                )
            fix = Fix("uncomment the update", (update.edit,)) if update.edit else None
            yield ctx.finding(
                self.code,
                update.comments[0],
                message,
                fix=fix,
                severity=self.severity,
                end_node=update.comments[-1],
            )
