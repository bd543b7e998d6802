import tensorflow as tf


class Agent:
    def __init__(self, network, optimizer):
        self._network = network
        self._optimizer = optimizer

    def _variables_to_train(self):
        return self._network.trainable_variables

    def _train(self, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self._network(x))
        variables_to_train = self._variables_to_train()
        grads = tape.gradient(loss, variables_to_train)  # GL001
        grads_and_vars = list(zip(grads, variables_to_train))
        tf.print(len(grads_and_vars))
        return loss
