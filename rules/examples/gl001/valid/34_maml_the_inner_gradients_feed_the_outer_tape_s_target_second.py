import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
meta_opt = tf.keras.optimizers.Adam()
for (xs, ys), (xq, yq) in tasks:
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            support_loss = tf.reduce_mean((model(xs) - ys) ** 2)
        g = inner.gradient(support_loss, model.trainable_variables)
        fast = [w - 0.01 * gi for w, gi in zip(model.trainable_variables, g)]
        query_loss = tf.reduce_mean((tf.matmul(xq, fast[0]) + fast[1] - yq) ** 2)
    meta_grads = outer.gradient(query_loss, model.trainable_variables)
    meta_opt.apply_gradients(zip(meta_grads, model.trainable_variables))
