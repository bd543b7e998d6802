"""GL004: gradients applied to other variables than the ones they were computed for."""

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


def train_step(noise, real):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise, training=True)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
"""


def _at(body: str, head: str = _GAN) -> Invalid:
    return Invalid.marked(head + body, "GL004")


class MismatchedVariables(Rule):
    code = "GL004"
    name = "gradients-to-wrong-variables"
    summary = "Gradients are applied to other variables than the ones they were computed for."
    what_it_does = """
Flags an `optimizer.apply_gradients(zip(grads, variables))` (or Keras 3
`optimizer.apply(grads, variables)`) whose `grads` come from a `tape.gradient(loss, sources)`
call with *different* sources: `zip(g_grads, discriminator.trainable_variables)` where
`g_grads` was computed for `generator.trainable_variables`, or `[w, b]` applied to `[b, w]`.
It follows the gradients through clipping and other rebindings in the same function.
"""
    why_bad = """
`apply_gradients` pairs the i-th gradient with the i-th variable. With the wrong variables,
the model that was differentiated never moves, and the other one is pushed by gradients that
belong to someone else (or the call fails on mismatched shapes only if you are lucky). In a
GAN this often looks like "the discriminator never learns".
"""
    example = """
g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
g_optimizer.apply_gradients(zip(g_grads, discriminator.trainable_variables))
"""
    use_instead = """
g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
"""

    VALID = [
        _GAN
        + """\
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
""",
        # trainable_weights and trainable_variables of the same model
        _GAN
        + """\
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_weights))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_weights))
""",
        # variables bound to a name first
        _GAN
        + """\
    g_vars = generator.trainable_variables
    g_optimizer.apply_gradients(zip(g_grads, g_vars))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
""",
        # clipped gradients applied to the right variables
        _GAN
        + """\
    g_grads, _ = tf.clip_by_global_norm(g_grads, 1.0)
    d_grads = [tf.clip_by_norm(g, 1.0) for g in d_grads]
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
""",
        # an alias of the same model
        """\
import tensorflow as tf

class Trainer:
    def step(self, x, y):
        model = self.model
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
""",
        # rebound gradients from another source: not followed, not guessed
        _GAN
        + """\
    g_grads = compute_other_grads()
    g_optimizer.apply_gradients(zip(g_grads, discriminator.trainable_variables))
""",
        # concatenated variables in the same order
        """\
import tensorflow as tf

def step(encoder, decoder, optimizer, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(decoder(encoder(x)) - x))
    variables = encoder.trainable_variables + decoder.trainable_variables
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, encoder.trainable_variables + decoder.trainable_variables))
""",
        # A3C: a worker's local gradients go to the global network, whose weights are then
        # copied back into the local one (that is the algorithm, not a mismatch)
        """\
import tensorflow as tf

class Worker:
    def run(self, batches):
        for states, targets in batches:
            with tf.GradientTape() as tape:
                loss = self.local_model.loss(states, targets)
            grads = tape.gradient(loss, self.local_model.trainable_weights)
            self.opt.apply_gradients(zip(grads, self.global_model.trainable_weights))
            self.local_model.set_weights(self.global_model.get_weights())
""",
        # A3C, synchronized variable by variable
        """\
import tensorflow as tf

def worker_step(local_net, global_net, opt, states, targets):
    with tf.GradientTape() as tape:
        loss = local_net.loss(states, targets)
    grads = tape.gradient(loss, local_net.trainable_variables)
    opt.apply_gradients(zip(grads, global_net.trainable_variables))
    for mine, shared in zip(local_net.trainable_variables, global_net.trainable_variables):
        mine.assign(shared)
    return loss
""",
    ]
    INVALID = [
        _at("""\
    g_optimizer.apply_gradients(zip(g_grads, discriminator.trainable_variables))  # GL004
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
"""),
        _at("""\
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, generator.trainable_variables))  # GL004
"""),
        # through clipping
        _at("""\
    clipped, norm = tf.clip_by_global_norm(d_grads, 5.0)
    d_optimizer.apply_gradients(zip(clipped, generator.trainable_weights))  # GL004
"""),
        # Keras 3 apply
        _at("""\
    g_optimizer.apply(g_grads, discriminator.trainable_variables)  # GL004
"""),
        # manual variables in another order
        Invalid.marked(
            """\
import tensorflow as tf

w = tf.Variable(1.0)
b = tf.Variable(0.0)
optimizer = tf.keras.optimizers.SGD(0.1)
for x, y in [(1.0, 2.0)]:
    with tf.GradientTape() as tape:
        loss = tf.square(w * x + b - y)
    grads = tape.gradient(loss, [w, b])
    optimizer.apply_gradients(zip(grads, [b, w]))  # GL004
""",
            "GL004",
        ),
        # attributes of a model class: actor gradients on the critic
        Invalid.marked(
            """\
import tensorflow as tf

class Agent:
    def train(self, obs):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(self.critic(obs, self.actor(obs)))
        grads = tape.gradient(loss, self.actor.trainable_variables)
        self.actor_optimizer.apply_gradients(  # GL004
            zip(grads, self.critic.trainable_variables))
""",
            "GL004",
        ),
        # pairs bound to a name first
        _at("""\
    pairs = zip(d_grads, generator.trainable_variables)
    d_optimizer.apply_gradients(pairs)  # GL004
"""),
        # copying weights the other way (or between other models) is no A3C synchronization
        Invalid.marked(
            """\
import tensorflow as tf

def worker_step(local_net, global_net, target_net, opt, states, targets):
    with tf.GradientTape() as tape:
        loss = local_net.loss(states, targets)
    grads = tape.gradient(loss, local_net.trainable_variables)
    opt.apply_gradients(zip(grads, global_net.trainable_variables))  # GL004
    target_net.set_weights(global_net.get_weights())
""",
            "GL004",
        ),
    ]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for update in ctx.facts.updates:
            if not update.applies_foreign_gradients:
                continue
            site = update.gradients_from
            assert site is not None and site.sources is not None
            grads = ctx.short_text(update.first, 30)
            message = (
                f"gradients '{grads}' were computed for '{ctx.short_text(site.sources, 50)}' "
                f"({ctx.line_ref(site.call)}) but are applied to "
                f"'{ctx.short_text(update.second, 50)}'; those weights get foreign gradients "
                "and the differentiated ones never move"
            )
            yield ctx.finding(self.code, update.call, message, severity=self.severity)
