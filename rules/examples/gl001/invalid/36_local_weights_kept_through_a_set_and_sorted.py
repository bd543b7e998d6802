import tensorflow as tf
from tensorflow.python.util import object_identity


class PPO:
    def __init__(self, actor, value, optimizer):
        self._actor = actor
        self._value = value
        self._optimizer = optimizer

    def _train(self, x):
        variables = list(
            object_identity.ObjectIdentitySet(
                self._actor.trainable_weights + self._value.trainable_weights
            )
        )
        # Sort to ensure tensors on different processes end up in the same order.
        variables = sorted(variables, key=lambda v: v.name)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self._actor(x)) + tf.reduce_mean(self._value(x))
        grads = tape.gradient(loss, variables)  # GL001
        return loss
