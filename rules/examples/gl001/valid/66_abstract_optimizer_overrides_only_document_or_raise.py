import tensorflow as tf


class BaseWrapper(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None):
        """Subclasses hand the pairs to their inner optimizer."""
        raise NotImplementedError


class StubOptimizer(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None): ...


class PassOptimizer(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None):
        """Nothing yet."""
        pass
