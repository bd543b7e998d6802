"""Issue #14, single-module causes: gradient sites that are not ``tape.gradient`` (a tape
received as a parameter, ``optimizer.compute_gradients(..., tape=tape)``, graph-mode
``tf.gradients`` and ``compute_gradients`` without a tape) and gradients copied into buffer
variables."""

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


def test_graph_mode_sources_that_are_not_proven_weights_stay_quiet():
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


def _sites(text: str):
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.parsing import parse_unit

    unit = SourceUnit("example.py", text)
    return ModuleContext(unit, parse_unit(unit)).facts.tapes.sites


def test_graph_mode_calls_are_sites_on_a_graph_tape():
    text = """
import tensorflow as tf
from tensorflow.keras import backend as K

def f(loss, optimizer, model, x):
    a = tf.gradients(loss, model.trainable_variables)
    b = tf.compat.v1.gradients(ys=loss, xs=[x])
    c = K.gradients(loss, model.trainable_weights)
    d = optimizer.compute_gradients(loss)
    e = optimizer.get_gradients(loss, model.trainable_weights)
    return a, b, c, d, e
"""
    sites = _sites(text)
    assert len(sites) == 5
    assert all(s.tape.graph for s in sites)
    assert len({id(s.tape) for s in sites}) == 1  # one graph pseudo-tape per scope
    d = sites[3]
    assert d.pairs and d.all_trainable and d.sources is None and d.optimizer == "optimizer"
    assert sites[1].sources is not None and not sites[1].all_trainable


def test_gradients_functions_that_are_not_tensorflows_are_no_sites():
    text = """
import tensorflow as tf
from mylib import gradients

class Model:
    def gradients(self, loss):
        return loss

    def step(self, loss, env):
        self.gradients(loss)
        gradients(loss, [1])
        env.compute_gradients(loss)
"""
    assert _sites(text) == []


def test_trainable_variables_functions_are_weights():
    text = """
import tensorflow as tf

def f(loss, optimizer):
    for _ in range(2):
        a = tf.gradients(loss, tf.compat.v1.trainable_variables())
        keys = tf.compat.v1.GraphKeys
        b = tf.gradients(loss, tf.compat.v1.get_collection(keys.TRAINABLE_VARIABLES))
"""
    assert len(_messages(text)) == 2


def test_compute_gradients_without_var_list_names_every_trainable_variable():
    text = EXAMPLES / "invalid" / "47_graph_compute_gradients_of_every_trainable_variable.py"
    [message] = _messages(text.read_text())
    assert "tf.compat.v1.trainable_variables()" in message
    assert "optimizer.apply_gradients(" in message


def test_a_gradient_differentiated_again_in_graph_mode_is_used():
    text = """
import tensorflow as tf

def hvp(model, optimizer, loss, v):
    g = tf.gradients(loss, model.trainable_variables)
    return tf.gradients(g, model.trainable_variables, grad_ys=v)
"""
    assert _messages(text) == []


def test_graph_gradients_are_no_tape_for_the_tape_rules():
    text = """
import tensorflow as tf

def f(model, optimizer, loss, x):
    g = tf.gradients(loss, model.trainable_variables)
    h = tf.gradients(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(g, model.trainable_variables))
    optimizer.apply_gradients(zip(h, model.trainable_variables))
"""
    assert _messages(text, ("GL001", "GL003", "GL006", "GL007")) == []
