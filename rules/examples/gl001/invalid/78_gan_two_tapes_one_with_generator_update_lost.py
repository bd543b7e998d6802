# A GAN step records both losses with two tapes opened in one `with`, and computes both
# gradients inside it. The generator's apply_gradients was lost: its gradients are read
# only for a norm log after the discriminator's tape has differentiated its loss, so that
# tape cannot take them for a higher-order gradient. The generator stays frozen.
import tensorflow as tf


class GAN:
    def __init__(self, generator, discriminator):
        self.G, self.D = generator, discriminator
        self.G_optimizer = tf.keras.optimizers.Adam(1e-4)
        self.D_optimizer = tf.keras.optimizers.Adam(1e-4)
        self.g_gradients = []

    def train_step(self, noise, real):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.G(noise)
            pred_fake, pred_real = self.D(fake), self.D(real)
            d_loss = tf.reduce_mean(pred_fake) - tf.reduce_mean(pred_real)
            g_loss = -tf.reduce_mean(pred_fake)
            gradient_g = g_tape.gradient(g_loss, self.G.trainable_variables)  # GL001
            gradient_d = d_tape.gradient(d_loss, self.D.trainable_variables)
            norms = [tf.norm(g).numpy() for g in gradient_g]
            self.g_gradients.append(norms)
            self.D_optimizer.apply_gradients(zip(gradient_d, self.D.trainable_variables))
        return g_loss, d_loss
