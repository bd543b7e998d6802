import tensorflow as tf


class Lookahead(tf.keras.optimizers.Optimizer):
    def __init__(self, optimizer, name="Lookahead"):
        super().__init__(name)
        self._optimizer = optimizer

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):  # GL001
        # The wrapper still syncs its step counter, but the pairs are never handed on.
        self._optimizer._iterations = self.iterations
