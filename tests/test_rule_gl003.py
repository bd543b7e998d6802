"""GL003: forward pass outside the tape."""

from __future__ import annotations

from rule_helpers import findings

HEAD = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
loss_fn = tf.keras.losses.MeanSquaredError()
optimizer = tf.keras.optimizers.Adam()

def train_step(x, y):
"""


def test_message_names_the_forward_line_and_none() -> None:
    text = (
        HEAD
        + """\
    predictions = model(x, training=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    )
    [finding] = findings("GL003", text)
    assert finding.line == 11
    assert "will return None" in finding.message
    assert "'predictions = model(x, training=True)' (line 8)" in finding.message
    assert "(line 9)" in finding.message


def test_forward_pass_through_a_rename_before_the_tape() -> None:
    text = (
        HEAD
        + """\
    outputs = model(x)
    logits = outputs[0]
    with tf.GradientTape() as tape:
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    )
    [finding] = findings("GL003", text)
    assert "'outputs = model(x)' (line 8)" in finding.message


def test_model_call_inside_loop_in_tape_is_recorded() -> None:
    text = (
        HEAD
        + """\
    with tf.GradientTape() as tape:
        loss = 0.0
        for xi, yi in zip(x, y):
            loss += loss_fn(yi, model(xi))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    )
    assert findings("GL003", text) == []


def test_container_filled_inside_the_tape() -> None:
    text = (
        HEAD
        + """\
    outputs = []
    with tf.GradientTape() as tape:
        outputs.append(model(x))
        loss = loss_fn(y, outputs[0])
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    )
    assert findings("GL003", text) == []


def test_unconnected_gradients_argument_means_none_is_expected() -> None:
    text = (
        HEAD
        + """\
    predictions = model(x)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, predictions)
    return tape.gradient(loss, model.trainable_variables,
                         unconnected_gradients=tf.UnconnectedGradients.ZERO)
"""
    )
    assert findings("GL003", text) == []


def test_tape_entered_twice_is_not_guessed() -> None:
    text = (
        HEAD
        + """\
    tape = tf.GradientTape(persistent=True)
    with tape:
        predictions = model(x)
    with tape:
        loss = loss_fn(y, predictions)
    return tape.gradient(loss, model.trainable_variables)
"""
    )
    assert findings("GL003", text) == []


def test_list_concatenation_target_is_not_an_operation() -> None:
    text = (
        HEAD
        + """\
    with tf.GradientTape() as tape:
        a_losses = [loss_fn(y, model(x))]
        b_losses = [tf.add_n(model.losses)]
    return tape.gradient(a_losses + b_losses, model.trainable_variables)
"""
    )
    assert findings("GL003", text) == []


def test_loss_reduced_after_the_block_in_notebook_cells() -> None:
    from test_notebooks_support import code, jupyter_bytes, notebook

    from gradlint.analyzer.notebooks import load_notebook
    from gradlint.engine import analyze_unit

    cells = [
        "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])",
        "with tf.GradientTape() as tape:\n    per_example = tf.square(model(x) - y)\n"
        "loss = tf.reduce_mean(per_example)\n"
        "grads = tape.gradient(loss, model.trainable_variables)",
    ]
    unit = load_notebook(jupyter_bytes(notebook(*[code(c) for c in cells])), "n.ipynb")
    [finding] = [f for f in analyze_unit(unit, ["GL003"]) if f.code == "GL003"]
    assert (finding.cell, finding.line) == (2, 4)
    assert "(cell 2, line 3)" in finding.message
