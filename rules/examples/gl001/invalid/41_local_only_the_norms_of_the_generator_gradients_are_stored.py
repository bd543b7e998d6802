import tensorflow as tf


class GAN:
    def __init__(self, generator, discriminator, g_optimizer, d_optimizer):
        self.generator = generator
        self.discriminator = discriminator
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.g_gradients = []

    def train_step(self, noise, real):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(noise)
            g_loss = -tf.reduce_mean(self.discriminator(fake))
            d_loss = tf.reduce_mean(self.discriminator(fake)) - tf.reduce_mean(
                self.discriminator(real)
            )
        gradient_g = g_tape.gradient(g_loss, self.generator.trainable_variables)  # GL001
        gradient_d = d_tape.gradient(d_loss, self.discriminator.trainable_variables)
        # Stores the norms, for a plot: not the gradients.
        self.g_gradients.append([tf.norm(g).numpy() for g in gradient_g])
        self.d_optimizer.apply_gradients(zip(gradient_d, self.discriminator.trainable_variables))
