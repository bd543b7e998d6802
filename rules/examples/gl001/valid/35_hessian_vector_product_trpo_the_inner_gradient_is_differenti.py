import tensorflow as tf

class Agent:
    def __init__(self, model):
        self.model = model
        self.optimizer = tf.keras.optimizers.Adam()

    def hvp(self, x, v):
        params = self.model.trainable_weights
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = tf.reduce_mean(self.model(x) ** 2)
            g = inner.gradient(loss, params)
            gv = tf.add_n([tf.reduce_sum(a * b) for a, b in zip(g, v)])
        return outer.gradient(gv, params)
