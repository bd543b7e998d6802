"""GL003: the tape did not record the forward pass, so the gradients are None."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import Invalid, Rule
from gradlint.rules.example_snippets import TF_HEAD

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding

_HEAD = TF_HEAD


def _at(body: str) -> Invalid:
    return Invalid.marked(_HEAD + body, "GL003")


class ForwardOutsideTape(Rule):
    code = "GL003"
    name = "forward-pass-outside-tape"
    summary = "The forward pass ran outside the GradientTape, so the gradients are None."
    what_it_does = """
Flags a `tape.gradient(target, sources)` call whose target the tape never saw being computed
from the sources:

- the model ran *before* the `with tf.GradientTape()` block (`predictions = model(x)` above it,
  only `loss = loss_fn(y, predictions)` inside), or
- the target is computed *after* the block closed: an expression such as
  `tape.gradient(-loss, ...)` or `tape.gradient(f(x), x)`, or a `loss = ...` line between the
  block and the call.

A helper called inside the block (`loss = forward(model, x, y)`) counts as a forward pass
inside the tape, and so does any call gradlint cannot see into.
"""
    why_bad = """
A `GradientTape` only differentiates the operations it recorded while its `with` block was
open. Operations before or after it are invisible, so `tape.gradient` returns `None` for every
source; `apply_gradients` then skips those variables (with only a warning) and the weights
never move.
"""
    example = """
predictions = model(x, training=True)
with tf.GradientTape() as tape:
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
        # the whole forward pass inside the tape
        _HEAD
        + """\
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # trap: a helper called inside the tape is a forward pass inside the tape
        _HEAD
        + """\
def forward(model, x, y):
    return loss_fn(y, model(x, training=True))

def train_step(x, y):
    features = tf.reshape(x, (-1, 4))
    with tf.GradientTape() as tape:
        loss = forward(model, features, y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # inputs prepared before the tape are fine: only the model must run inside
        _HEAD
        + """\
def train_step(x, y):
    x = tf.image.random_flip_left_right(x)
    y_onehot = tf.one_hot(y, 10)
    with tf.GradientTape() as tape:
        loss = loss_fn(y_onehot, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # a list of losses is not an operation: the tape sums recorded tensors
        _HEAD
        + """\
def train_step(x, y):
    with tf.GradientTape() as tape:
        pred = model(x)
        losses = [loss_fn(y, pred), tf.add_n(model.losses)]
    grads = tape.gradient(losses, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # an unknown loss callable might run the model itself: stay quiet
        _HEAD
        + """\
def train_step(compute_loss, x, y):
    predictions = model(x)
    with tf.GradientTape() as tape:
        loss = compute_loss(y, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # the gradient is taken inside the block: still recording
        _HEAD
        + """\
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
        grads = tape.gradient(-loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        # input gradients with tape.watch: the function runs inside the tape
        """\
import tensorflow as tf

def saliency(model, images):
    with tf.GradientTape() as tape:
        tape.watch(images)
        score = tf.reduce_max(model(images), axis=-1)
    return tape.gradient(score, images)
""",
        # tf.convert_to_tensor/tf.nest outside the tape return the recorded tensors
        _HEAD
        + """\
def train_step(x, y):
    with tf.GradientTape() as tape:
        outputs = {"loss": loss_fn(y, model(x))}
    grads = tape.gradient(tf.nest.flatten(outputs), model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
    ]
    INVALID = [
        # (a) the seed case: predictions computed above the tape
        _at("""\
def train_step(x, y):
    predictions = model(x, training=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, predictions)
    grads = tape.gradient(loss, model.trainable_variables)  # GL003
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""),
        # (b) negated target evaluated after the block
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        reward = tf.reduce_mean(model(x))
    grads = tape.gradient(-reward, model.trainable_variables)  # GL003
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""),
        # (b) a function of the source evaluated after the block
        Invalid.marked(
            """\
import tensorflow as tf

def derivative(f, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
    return tape.gradient(f(x), x)  # GL003
""",
            "GL003",
        ),
        # the loss computed between the block and the call
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        per_example = loss_fn(y, model(x))
    loss = tf.reduce_mean(per_example)
    grads = tape.gradient(loss, model.trainable_variables)  # GL003
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""),
        # manual variables: the linear model evaluated before the tape
        Invalid.marked(
            """\
import tensorflow as tf

w = tf.Variable(1.0)
b = tf.Variable(0.0)
for x, y in [(1.0, 2.0), (2.0, 4.0)]:
    y_pred = w * x + b
    with tf.GradientTape() as tape:
        loss = tf.square(y - y_pred)
    dw, db = tape.gradient(loss, [w, b])  # GL003
    w.assign_sub(0.1 * dw)
    b.assign_sub(0.1 * db)
""",
            "GL003",
        ),
        # Keras train_step override: the forward pass above the tape
        Invalid.marked(
            """\
import tensorflow as tf

class MyModel(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        y_pred = self.backbone(x, training=True)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(y - y_pred))
        grads = tape.gradient(loss, self.backbone.trainable_variables)  # GL003
        self.optimizer.apply_gradients(zip(grads, self.backbone.trainable_variables))
        return {"loss": loss}
""",
            "GL003",
        ),
        # a sum of losses taken after the block
        _at("""\
def train_step(x, y):
    with tf.GradientTape() as tape:
        pred = model(x)
        mse = loss_fn(y, pred)
        reg = tf.add_n(model.losses)
    grads = tape.gradient(mse + reg, model.trainable_variables)  # GL003
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""),
    ]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for problem in ctx.facts.recording_problems:
            if problem.kind not in ("before", "after"):
                continue
            call = f"tape.gradient({problem.target_text}, {problem.sources_text})"
            with_line = ctx.line_ref(problem.with_span.node)
            if problem.kind == "before":
                message = (
                    f"{call} will return None: the forward pass "
                    f"'{ctx.short_text(problem.node)}' ({ctx.line_ref(problem.node)}) ran "
                    f"before the tape started recording ({with_line}); move it inside the "
                    "'with' block"
                )
            else:
                message = (
                    f"{call} will return None: '{ctx.short_text(problem.node)}' "
                    f"({ctx.line_ref(problem.node)}) is computed after the tape stopped "
                    f"recording (its 'with' block starts at {with_line}); compute it inside "
                    "the block"
                )
            yield ctx.finding(self.code, problem.site.call, message, severity=self.severity)
