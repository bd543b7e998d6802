import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    if tf.math.is_nan(loss):
        return loss
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
