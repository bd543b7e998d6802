import tensorflow as tf


def discriminator_loss(disc, d_optimizer, real, fake):
    # WGAN-GP in graph mode: the gradient is taken with respect to the interpolates.
    alpha = tf.random.uniform([tf.shape(real)[0], 1])
    interp = real + alpha * (fake - real)
    grad = tf.gradients(disc(interp), [interp])[0]
    penalty = tf.reduce_mean((tf.norm(grad, axis=1) - 1.0) ** 2)
    loss = tf.reduce_mean(disc(fake)) - tf.reduce_mean(disc(real)) + 10.0 * penalty
    return d_optimizer.minimize(loss, var_list=disc.trainable_variables)
