import tensorflow as tf

optimizer = tf.keras.optimizers.SGD(0.05)


def train_step(model, x):
    with tf.GradientTape() as tape:
        loss = (10.0 - model(x)) ** 2
    variables = tape.watched_variables()
    grads = tape.gradient(loss, variables)  # GL001
    return loss
