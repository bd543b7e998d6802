import tensorflow as tf

def compute(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    grads_and_vars = []
    for g, v in zip(grads, model.trainable_variables):
        grads_and_vars.append((g, v))
    return grads_and_vars
