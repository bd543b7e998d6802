"""Issue #14, single-module causes: gradient sites that are not ``tape.gradient`` (a tape
received as a parameter, ``optimizer.compute_gradients(..., tape=tape)``) and gradients
copied into buffer variables."""

from __future__ import annotations

from pathlib import Path

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples" / "gl001"


def _messages(text: str, codes=("GL001",)) -> list[str]:
    return [f.message for f in analyze_unit(SourceUnit("example.py", text), list(codes))]


def test_dropped_compute_gradients_pairs_suggest_applying_the_pairs():
    text = EXAMPLES / "invalid" / "44_local_keras_optimizer_compute_gradients_with_a_tape.py"
    [message] = _messages(text.read_text())
    assert "self.optimizer.apply_gradients(grads_and_vars)" in message


def test_a_parameter_tape_is_never_called_non_persistent():
    text = """
import tensorflow as tf

def two_grads(model, optimizer, tape, loss):
    a = tape.gradient(loss, model.trainable_variables)
    b = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(a, model.trainable_variables))
    optimizer.apply_gradients(zip(b, model.trainable_variables))
"""
    assert _messages(text, ("GL001", "GL003", "GL006", "GL007")) == []


def test_compute_gradients_without_a_tape_is_left_to_graph_mode():
    text = """
import tensorflow as tf

with tf.GradientTape() as unrelated:
    pass

def model_fn(optimizer, loss, var_list):
    for _ in range(3):
        grads_and_vars = optimizer.compute_gradients(loss, var_list)
"""
    assert _messages(text) == []


def test_buffers_read_by_a_later_update_count_as_applied():
    text = (
        EXAMPLES / "valid" / "20_local_gradients_copied_into_accumulator_variables_"
        "applied_in_a_nested_function.py"
    ).read_text()
    assert _messages(text) == []
    dropped = text.replace(
        "optimizer.apply_gradients(zip(temp_grads, agent.trainable_variables))", "pass"
    )
    assert len(_messages(dropped)) == 1


def test_trainable_buffers_updated_with_assign_are_a_manual_step():
    text = """
import tensorflow as tf

def train(model, dataset, lr=0.1):
    weights = [tf.Variable(tf.zeros([3])) for _ in range(2)]
    for x in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x, weights))
        grads = tape.gradient(loss, weights)
        for w, g in zip(weights, grads):
            w.assign(w - lr * g)
"""
    assert _messages(text) == []
