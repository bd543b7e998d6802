"""A tiny GAN in which only the generator learns: the discriminator's gradients are computed
and then dropped, so the discriminator stays at its initial weights forever."""

import numpy as np
import tensorflow as tf

latent_dim = 8
generator = tf.keras.Sequential(
    [tf.keras.Input(shape=(latent_dim,)), tf.keras.layers.Dense(16, activation="relu"),
     tf.keras.layers.Dense(2)]
)
discriminator = tf.keras.Sequential(
    [tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(16, activation="relu"),
     tf.keras.layers.Dense(1)]
)
g_optimizer = tf.keras.optimizers.Adam(1e-3)
d_optimizer = tf.keras.optimizers.Adam(1e-3)
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)


@tf.function
def train_step(real):
    noise = tf.random.normal((tf.shape(real)[0], latent_dim))
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise, training=True)
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(fake, training=True)
        g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(
            tf.zeros_like(fake_logits), fake_logits
        )
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    tf.print("d grad norm", tf.linalg.global_norm(d_grads))
    return g_loss, d_loss


def main(steps=20):
    rng = np.random.default_rng(0)
    data = rng.normal(loc=2.0, size=(64, 2)).astype("float32")
    for step in range(steps):
        g_loss, d_loss = train_step(data)
    print("g_loss", float(g_loss), "d_loss", float(d_loss))


if __name__ == "__main__":
    main()
