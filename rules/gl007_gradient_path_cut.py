"""GL007: the gradient path from the model to the loss is cut inside the tape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import Invalid, Rule
from gradlint.rules.example_snippets import NUMPY_TF_HEAD

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding

_HEAD = NUMPY_TF_HEAD
_TAIL = """\
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""


def _at(body: str) -> Invalid:
    return Invalid.marked(_HEAD + body + _TAIL, "GL007")


def _ok(body: str) -> str:
    return _HEAD + body + _TAIL


class GradientPathCut(Rule):
    code = "GL007"
    name = "gradient-path-cut"
    summary = "A NumPy conversion, model.predict or stop_gradient cuts the path to the loss."
    what_it_does = """
Flags a call inside a `tf.GradientTape` block that turns the model's output into something
the tape cannot differentiate, when every path from the model to the `tape.gradient` target
goes through it:

- `.numpy()`, or a NumPy function (`np.mean`, `np.array`, ...) applied to tensors;
- `model.predict(...)` (it returns NumPy arrays);
- `float(...)` or `int(...)`;
- `tf.stop_gradient(...)` around everything the target depends on.

A conversion on a side path (a metric next to the loss) is fine and not reported.
"""
    why_bad = """
The tape records TensorFlow operations only. Once a value leaves TensorFlow (a NumPy array, a
Python number) or passes through `stop_gradient`, the chain back to the weights is gone:
`tape.gradient` returns `None`, the optimizer skips the variables, and the model never learns,
usually with nothing but a warning in the log.
"""
    example = """
with tf.GradientTape() as tape:
    predictions = model(x, training=True).numpy()
    loss = loss_fn(y, predictions)
grads = tape.gradient(loss, model.trainable_variables)
"""
    use_instead = """
with tf.GradientTape() as tape:
    predictions = model(x, training=True)
    loss = loss_fn(y, predictions)
grads = tape.gradient(loss, model.trainable_variables)
"""

    VALID = [
        _ok("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
"""),
        # trap: .numpy() on a metric beside the loss, not on the path
        _ok("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        accuracy = np.mean(pred.numpy().round() == y)
        loss = loss_fn(y, pred)
"""),
        # trap: stop_gradient on a target network's output, not on the whole target
        _ok("""\
target_model = tf.keras.models.clone_model(model)

def train_step(x, y):
    with tf.GradientTape() as tape:
        target = tf.stop_gradient(target_model(x))
        loss = loss_fn(target, model(x, training=True))
"""),
        # NumPy on inputs (not on the model's output) before they reach the model
        _ok("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        scale = float(np.sqrt(x.shape[-1]))
        loss = loss_fn(y, model(x / scale))
"""),
        # float() on the loss after the gradient is fine (logging)
        _ok("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    print(float(loss))
"""),
        # tf.experimental.numpy is differentiable
        _ok("""\
import tensorflow.experimental.numpy as tnp

def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tnp.mean((model(x) - y) ** 2)
"""),
        # a custom model class whose predict() is its own differentiable method
        """\
import tensorflow as tf

class Net(tf.keras.Model):
    def predict(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(self.predict(x) - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}
""",
        # trap: SAC temperature loss; self.alpha is a property computed from self.log_alpha
        """\
import tensorflow as tf


class SAC:
    @property
    def alpha(self):
        return tf.exp(self.log_alpha)

    def train(self, states):
        with tf.GradientTape() as tape:
            logp = self.actor(states)
            alpha_loss = -tf.reduce_mean(self.alpha * tf.stop_gradient(logp + self.target))
        alpha_grad = tape.gradient(alpha_loss, [self.log_alpha])
        self.alpha_optimizer.apply_gradients(zip(alpha_grad, [self.log_alpha]))
""",
    ]
    INVALID = [
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True).numpy()  # GL007
        loss = loss_fn(y, predictions)
"""),
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = np.mean((predictions - y) ** 2)  # GL007
"""),
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = model.predict(x)  # GL007
        loss = loss_fn(y, predictions)
"""),
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = float(loss_fn(y, model(x)))  # GL007
"""),
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.stop_gradient(loss_fn(y, model(x)))  # GL007
"""),
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = np.array(model(x))  # GL007
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))
"""),
        # the input gradient of a function cut by NumPy
        Invalid.marked(
            """\
import numpy as np
import tensorflow as tf

x = tf.Variable(2.0)
for step in range(3):
    with tf.GradientTape() as tape:
        y = np.square(x)  # GL007
    dy_dx = tape.gradient(y, x)
    x.assign_sub(0.1 * dy_dx)
""",
            "GL007",
        ),
    ]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for problem in ctx.facts.recording_problems:
            if problem.kind != "cut" or ctx.facts.module.is_demonstration(problem.site):
                continue  # a demo without an optimizer shows the cut on purpose
            for cut in problem.cuts:
                if id(cut) in reported:
                    continue
                reported.add(id(cut))
                what = _describe(ctx, cut)
                message = (
                    f"{what} cuts the gradient path from '{problem.sources_text}' to "
                    f"'{problem.target_text}' inside the tape: "
                    f"tape.gradient({problem.target_text}, {problem.sources_text}) "
                    f"({ctx.line_ref(problem.site.call)}) will return None "
                    f"({_advice(ctx, cut)})"
                )
                yield ctx.finding(self.code, cut, message, severity=self.severity)


def _describe(ctx, call) -> str:
    import libcst as cst

    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "numpy":
        return "'.numpy()'"
    return f"'{ctx.short_text(func)}(...)'"


def _advice(ctx, call) -> str:
    import libcst as cst

    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    if name == "stop_gradient":
        return "apply tf.stop_gradient only to the parts that must not be trained"
    if name.startswith("predict"):
        return "call the model directly: model(x, training=True)"
    return "keep the computation in TensorFlow ops until after tape.gradient"
