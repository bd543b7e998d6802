import tensorflow.compat.v2 as tf

def train(model, data, opt):
    for x, y in data:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        print(loss)
