"""GL006: a second gradient()/jacobian() call on a tape created without persistent=True."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gradlint.rules.base import Invalid, Rule

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding

_GAN = """\
import tensorflow as tf

generator = tf.keras.Sequential([tf.keras.layers.Dense(2)])
discriminator = tf.keras.Sequential([tf.keras.layers.Dense(1)])
g_optimizer = tf.keras.optimizers.Adam()
d_optimizer = tf.keras.optimizers.Adam()

"""


class NonPersistentTapeReused(Rule):
    code = "GL006"
    name = "non-persistent-tape-reused"
    summary = "A tape created without persistent=True is asked for gradients twice."
    what_it_does = """
Flags the second `gradient()`, `jacobian()` or `batch_jacobian()` call on a
`tf.GradientTape` created without `persistent=True`, when the first call always runs before
it. The typical case is a GAN step that records both losses on one tape and asks it for the
generator's and then the discriminator's gradients.

Calls inside `self.assertRaises(...)`, `pytest.raises(...)` or a `try` that catches the
`RuntimeError` expect the error and are not reported.
"""
    why_bad = """
A non-persistent tape releases its resources after the first `gradient()` call. The second
call raises `RuntimeError: A non-persistent GradientTape can only be used to compute one set
of gradients`, usually minutes into a run, after the data pipeline and the first step.
"""
    example = """
with tf.GradientTape() as tape:
    g_loss, d_loss = losses(generator, discriminator, noise, real)
g_grads = tape.gradient(g_loss, generator.trainable_variables)
d_grads = tape.gradient(d_loss, discriminator.trainable_variables)
"""
    use_instead = """
with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
    g_loss, d_loss = losses(generator, discriminator, noise, real)
g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
# or: with tf.GradientTape(persistent=True) as tape: ... and `del tape` afterwards
"""

    VALID = [
        # two tapes
        _GAN
        + """\
def train_step(noise, real):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
""",
        # persistent=True
        _GAN
        + """\
def train_step(noise, real):
    with tf.GradientTape(persistent=True) as tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)
    del tape
""",
        # trap: the second call is expected to raise (a unit test)
        """\
import tensorflow as tf

class TapeTest(tf.test.TestCase):
    def test_second_call_raises(self):
        x = tf.constant(3.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        tape.gradient(y, x)
        with self.assertRaises(RuntimeError):
            tape.gradient(y, x)
""",
        # trap: pytest.raises
        """\
import pytest
import tensorflow as tf

def test_non_persistent():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError):
        tape.gradient(y, x)
""",
        # exclusive branches: only one call runs
        """\
import tensorflow as tf

def grad(f, x, use_jacobian):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    if use_jacobian:
        return tape.jacobian(y, x)
    else:
        return tape.gradient(y, x)
""",
        # persistence from a variable: cannot tell, stay quiet
        """\
import tensorflow as tf

def grads(f, x, persistent):
    with tf.GradientTape(persistent=persistent) as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x), tape.jacobian(y, x)
""",
        # a new tape each iteration
        """\
import tensorflow as tf

w = tf.Variable(1.0)
for step in range(2):
    with tf.GradientTape() as tape:
        loss = w * w
    w.assign_sub(0.1 * tape.gradient(loss, w))
""",
        # the first call returns: the second never runs after it
        """\
import tensorflow as tf

def grad(f, x, scalar):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    if scalar:
        return tape.gradient(y, x)
    return tape.jacobian(y, x)
""",
    ]
    INVALID = [
        Invalid.marked(
            _GAN
            + """\
def train_step(noise, real):
    with tf.GradientTape() as tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)  # GL006
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
""",
            "GL006",
            message=(
                "'tape' is not persistent and was already asked for gradients (line 13): "
                "this gradient() call raises RuntimeError (create it with "
                "tf.GradientTape(persistent=True), or use a second tape)"
            ),
        ),
        # persistent=False spelled out
        Invalid.marked(
            """\
import tensorflow as tf

x = tf.constant(2.0)
with tf.GradientTape(persistent=False) as tape:
    tape.watch(x)
    y = x ** 3
dy = tape.gradient(y, x)
jac = tape.jacobian(y, x)  # GL006
""",
            "GL006",
        ),
        # the tape bound to a name before `with tape:`
        Invalid.marked(
            """\
import tensorflow as tf

def step(model, optimizer, x, y):
    tape = tf.GradientTape()
    with tape:
        pred = model(x)
        loss = tf.reduce_mean(tf.square(pred - y))
        aux = tf.reduce_mean(pred)
    grads = tape.gradient(loss, model.trainable_variables)
    aux_grads = tape.gradient(aux, model.trainable_variables)  # GL006
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return aux_grads
""",
            "GL006",
        ),
        # both calls in one statement
        Invalid.marked(
            """\
import tensorflow as tf

def grads(f, g, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = f(x), g(x)
    return tape.gradient(a, x), tape.gradient(b, x)  # GL006
""",
            "GL006",
        ),
        # inside a training loop body, sequential calls
        Invalid.marked(
            """\
import tensorflow as tf

actor = tf.keras.Sequential([tf.keras.layers.Dense(2)])
critic = tf.keras.Sequential([tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam()
for obs in tf.data.Dataset.range(3):
    with tf.GradientTape() as tape:
        value = critic(obs)
        actor_loss = -tf.reduce_mean(value * actor(obs))
        critic_loss = tf.reduce_mean(tf.square(value))
    actor_grads = tape.gradient(actor_loss, actor.trainable_variables)
    critic_grads = tape.gradient(critic_loss, critic.trainable_variables)  # GL006
    opt.apply_gradients(zip(actor_grads, actor.trainable_variables))
    opt.apply_gradients(zip(critic_grads, critic.trainable_variables))
""",
            "GL006",
        ),
        # a second call after an unrelated branch still runs
        Invalid.marked(
            """\
import tensorflow as tf

def hessian_diag(f, x, verbose):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    if verbose:
        print(g)
    return g, tape.batch_jacobian(y, x)  # GL006
""",
            "GL006",
        ),
    ]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for first, again in ctx.facts.repeated_gradient_calls:
            name = first.tape.name or "tape"
            message = (
                f"'{name}' is not persistent and was already asked for gradients "
                f"({ctx.line_ref(first.call)}): this {again.method}() call raises "
                "RuntimeError (create it with tf.GradientTape(persistent=True), or use a "
                "second tape)"
            )
            yield ctx.finding(self.code, again.call, message, severity=self.severity)
