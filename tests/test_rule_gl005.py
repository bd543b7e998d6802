"""GL005: swapped (variable, gradient) pairs and the swap fix."""

from __future__ import annotations

from rule_helpers import findings, fixed

STEP = """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    gradients = tape.gradient(loss, model.trainable_variables)
{tail}"""


def test_message_and_fix_object() -> None:
    text = STEP.format(
        tail="    optimizer.apply_gradients(zip(model.trainable_variables, gradients))\n"
    )
    [finding] = findings("GL005", text)
    assert finding.line == 7
    assert "zip(gradients, model.trainable_variables)" in finding.message
    assert finding.fix is not None and len(finding.fix.edits) == 2


def test_fix_keeps_comments_inside_the_call() -> None:
    tail = (
        "    optimizer.apply_gradients(zip(\n"
        "        model.trainable_variables,  # the weights\n"
        "        gradients))\n"
    )
    text = STEP.format(tail=tail)
    expected = STEP.format(
        tail="    optimizer.apply_gradients(zip(\n"
        "        gradients,  # the weights\n"
        "        model.trainable_variables))\n"
    )
    assert fixed("GL005", text) == expected


def test_two_variable_lists_are_not_swapped() -> None:
    text = STEP.format(
        tail="    optimizer.apply_gradients(zip(model.trainable_variables, model.trainable_weights))\n"
    )
    assert findings("GL005", text) == []


def test_unknown_second_half_is_not_guessed() -> None:
    text = STEP.format(
        tail="    optimizer.apply_gradients(zip(model.trainable_variables, scale))\n"
    )
    assert findings("GL005", text) == []


def test_apply_on_non_optimizer_is_ignored() -> None:
    text = STEP.format(tail="    df.apply(model.trainable_variables, gradients)\n")
    assert findings("GL005", text) == []
