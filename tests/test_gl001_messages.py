"""GL001's message must name real code: the gradients, the sources and a fix that runs."""

from __future__ import annotations

from gradlint.api import lint_source

HEAD = "import tensorflow as tf\nx = tf.Variable(2.0)\nopt = tf.keras.optimizers.SGD()\n"


def message(body: str) -> str:
    (finding,) = [f for f in lint_source(HEAD + body) if f.code == "GL001"]
    return finding.message


def test_unnamed_result_says_to_assign_it_first() -> None:
    """Regression: the suggested fix used a 'grads' name that the code never defined."""
    text = message(
        "for _ in range(2):\n    with tf.GradientTape() as tape:\n        y = x * x\n"
        "    print(tape.gradient(y, x))\n"
    )
    assert text.startswith("the result of tape.gradient of 'x' never reaches")
    assert text.endswith(
        "(assign it, grads = tape.gradient(...), and add opt.apply_gradients([(grads, x)]))"
    )


def test_named_single_variable_pairs_it_directly() -> None:
    text = message(
        "for _ in range(2):\n    with tf.GradientTape() as tape:\n        y = x * x\n"
        "    dx = tape.gradient(y, x)\n    print(dx)\n"
    )
    assert text == (
        "gradients 'dx' of 'x' never reach an optimizer update; the weights stay "
        "frozen (add opt.apply_gradients([(dx, x)]))"
    )


def test_returned_gradients_name_the_caller_that_drops_them() -> None:
    text = message(
        "def grad(model, x):\n    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_sum(model(x))\n"
        "    return loss, tape.gradient(loss, model.trainable_variables)\n\n"
        "def train_loop(model, data):\n    for x in data:\n"
        "        loss, grads = grad(model, x)\n        print(loss)\n"
    )
    assert text == (
        "gradients of 'model.trainable_variables' are returned to 'train_loop' (line 11) "
        "as 'grads' and never reach an optimizer update there; the weights stay frozen "
        "(add opt.apply_gradients(zip(grads, model.trainable_variables)) in 'train_loop')"
    )


def test_gradients_returned_further_up_name_every_caller() -> None:
    text = message(
        "def grad(model, x):\n    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_sum(model(x))\n"
        "    return tape.gradient(loss, model.trainable_variables)\n\n"
        "def step(model, x):\n    return grad(model, x)\n\n"
        "for x in data:\n    g = step(m, x)\n"
    )
    assert "returned to 'step' (line 10), then to module-level code (line 13) as 'g'" in text
