"""GL007: gradient path cut inside the tape."""

from __future__ import annotations

from rule_helpers import findings

HEAD = """\
import numpy as np
import tensorflow as tf

def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
{body}    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""


def test_message_and_location_of_the_cut() -> None:
    text = HEAD.format(body="        pred = model(x).numpy()\n        loss = loss_fn(y, pred)\n")
    [finding] = findings("GL007", text)
    assert (finding.line, finding.column) == (6, 16)
    assert finding.message.startswith("'.numpy()' cuts the gradient path")
    assert "(line 8) will return None" in finding.message


def test_every_cut_on_a_branch_is_reported() -> None:
    text = HEAD.format(
        body="        if x is None:\n"
        "            pred = model(x).numpy()\n"
        "        else:\n"
        "            pred = np.asarray(model(x))\n"
        "        loss = loss_fn(y, pred)\n"
    )
    assert [f.line for f in findings("GL007", text)] == [7, 9]


def test_cut_on_one_branch_only_is_quiet() -> None:
    text = HEAD.format(
        body="        if x is None:\n"
        "            pred = model(x).numpy()\n"
        "        else:\n"
        "            pred = model(x)\n"
        "        loss = loss_fn(y, pred)\n"
    )
    assert findings("GL007", text) == []


def test_unknown_helper_after_the_cut_is_quiet() -> None:
    text = HEAD.format(
        body="        pred = model(x).numpy()\n        loss = custom_objective(y, pred)\n"
    )
    assert findings("GL007", text) == []


def test_predict_of_a_local_model_class_is_not_keras() -> None:
    text = HEAD.format(body="        loss = loss_fn(y, model.predict(x))\n") + (
        "\nclass Model:\n    def predict(self, x):\n        return x\n"
    )
    assert findings("GL007", text) == []


def test_shadowed_float_is_not_the_builtin() -> None:
    text = "float = tf.identity\n" + HEAD.format(
        body="        loss = float(loss_fn(y, model(x)))\n"
    )
    assert findings("GL007", text) == []


def test_unit_test_checking_for_none_is_quiet() -> None:
    text = """\
import tensorflow as tf

class StopGradientTest(tf.test.TestCase):
    def test_stop_gradient_gives_none(self):
        x = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            y = tf.stop_gradient(x * x)
        self.assertIsNone(tape.gradient(y, x))
"""
    assert findings("GL007", text) == []
