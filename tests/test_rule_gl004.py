"""GL004: gradients applied to other variables than computed for."""

from __future__ import annotations

from rule_helpers import findings

GAN = """\
import tensorflow as tf

def train_step(generator, discriminator, g_opt, d_opt, noise, real):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
"""


def test_message_names_both_variable_sets() -> None:
    text = GAN + "    g_opt.apply_gradients(zip(g_grads, discriminator.trainable_variables))\n"
    [finding] = findings("GL004", text)
    assert finding.line == 10
    assert "'generator.trainable_variables' (line 8)" in finding.message
    assert "'discriminator.trainable_variables'" in finding.message


def test_followed_through_a_comprehension() -> None:
    text = GAN + (
        "    g_grads = [tf.clip_by_norm(g, 1.0) for g in g_grads]\n"
        "    g_opt.apply_gradients(zip(g_grads, discriminator.trainable_variables))\n"
    )
    assert [f.line for f in findings("GL004", text)] == [11]


def test_conditional_rebinding_is_not_guessed() -> None:
    text = GAN + (
        "    if noise is None:\n"
        "        g_grads = d_grads\n"
        "    g_opt.apply_gradients(zip(g_grads, discriminator.trainable_variables))\n"
    )
    assert findings("GL004", text) == []


def test_swapped_pairs_are_gl005_not_gl004() -> None:
    text = GAN + "    g_opt.apply_gradients(zip(discriminator.trainable_variables, g_grads))\n"
    assert findings("GL004", text) == []
    assert len(findings("GL005", text)) == 1


def test_owner_prefix_is_not_a_mismatch() -> None:
    text = """\
import tensorflow as tf

class Wrapper(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.inner(x) - y)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.inner.trainable_variables))
        return {}
"""
    assert findings("GL004", text) == []
