import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    pairs = []
    for g, v in zip(grads, model.trainable_variables):
        pairs.append((g, v))
    return loss
