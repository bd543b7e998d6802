import tensorflow as tf

def train_step(model, opt_a, opt_b, x, y, use_a):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    if use_a:
        opt_a.apply_gradients(zip(grads, model.trainable_variables))
    else:
        opt_b.apply_gradients(zip(grads, model.trainable_variables))
