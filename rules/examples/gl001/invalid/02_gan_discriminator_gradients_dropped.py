import tensorflow as tf

g_opt = tf.keras.optimizers.Adam()
d_opt = tf.keras.optimizers.Adam()

def train_step(generator, discriminator, real, noise):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)  # GL001
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return g_loss, d_loss
