import tensorflow as tf

def train(model, data, opt):
    for x, y in data:
        with tf.compat.v1.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
