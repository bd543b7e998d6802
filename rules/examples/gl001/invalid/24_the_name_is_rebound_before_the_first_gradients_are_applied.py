import tensorflow as tf

def step(gen, disc, optimizer, x, z):
    with tf.GradientTape() as tape:
        d_loss = tf.reduce_mean(disc(gen(z))) - tf.reduce_mean(disc(x))
    grads = tape.gradient(d_loss, disc.trainable_variables)  # GL001
    with tf.GradientTape() as tape:
        g_loss = -tf.reduce_mean(disc(gen(z)))
    grads = tape.gradient(g_loss, gen.trainable_variables)
    optimizer.apply_gradients(zip(grads, gen.trainable_variables))
