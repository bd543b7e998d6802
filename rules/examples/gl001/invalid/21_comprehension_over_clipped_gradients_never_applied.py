import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    grads = [tf.clip_by_norm(g, 1.0) for g in grads]
    return loss
