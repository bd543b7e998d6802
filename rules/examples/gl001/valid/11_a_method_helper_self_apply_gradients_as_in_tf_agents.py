import tensorflow as tf

class Agent:
    def __init__(self, optimizer):
        self._optimizer = optimizer

    def _apply_gradients(self, gradients, variables, optimizer):
        optimizer.apply_gradients(list(zip(gradients, variables)))

    def train(self, network, experience):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(network(experience))
        grads = tape.gradient(loss, network.trainable_variables)
        self._apply_gradients(grads, network.trainable_variables, self._optimizer)
