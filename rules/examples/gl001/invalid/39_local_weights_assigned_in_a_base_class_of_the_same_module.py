import tensorflow as tf


class LinearBase:
    def __init__(self):
        self.w = tf.Variable(tf.zeros((3, 1)))
        self.b = tf.Variable(tf.zeros((1,)))
        self.params = [self.w, self.b]


class Linear(LinearBase):
    def __init__(self, optimizer):
        super().__init__()
        self.optimizer = optimizer

    def fit_step(self, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((x @ self.w + self.b - y) ** 2)
        grads = tape.gradient(loss, self.params)  # GL001
        return loss
