import tensorflow as tf

def d_train_step(disc, d_opt, real, fake):
    alpha = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
    interp = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interp)
            pred = disc(interp)
        gp_grads = gp_tape.gradient(pred, [interp])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(gp_grads), axis=[1, 2, 3]))
        d_loss = tf.reduce_mean(disc(fake)) - tf.reduce_mean(disc(real)) + 10.0 * tf.reduce_mean((norm - 1.0) ** 2)
    d_grads = tape.gradient(d_loss, disc.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, disc.trainable_variables))
