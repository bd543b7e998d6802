import tensorflow as tf


class MultiObjective:
    def __init__(self, networks, optimizer):
        self._networks = networks
        self._optimizer = optimizer

    def _variables_to_train(self):
        return tf.nest.flatten([net.trainable_variables for net in self._networks])

    def _train(self, x):
        with tf.GradientTape() as tape:
            loss = tf.add_n([tf.reduce_mean(net(x)) for net in self._networks])
        grads = tape.gradient(loss, self._variables_to_train())  # GL001
        return loss
