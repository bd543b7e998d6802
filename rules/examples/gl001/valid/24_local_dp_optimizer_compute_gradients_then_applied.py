import tensorflow as tf


def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads_and_vars = optimizer.compute_gradients(loss, model.trainable_variables, tape=tape)
    optimizer.apply_gradients(grads_and_vars)
    return loss


def fit(model, optimizer, dataset):
    for x, y in dataset:
        train_step(model, optimizer, x, y)
