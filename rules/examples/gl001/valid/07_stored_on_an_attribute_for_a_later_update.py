import tensorflow as tf

class Accumulator:
    def step(self, model, optimizer, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        self.last_grads = tape.gradient(loss, model.trainable_variables)
