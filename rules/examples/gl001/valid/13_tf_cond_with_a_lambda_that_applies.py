import tensorflow as tf

def train_step(model, optimizer, x, y, should_update):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    tf.cond(should_update,
            lambda: optimizer.apply_gradients(zip(grads, model.trainable_variables)),
            lambda: tf.no_op())
