import tensorflow as tf


class TestOptimizer(tf.keras.optimizers.Optimizer):
    """Stands in for an optimizer in tests: every method returns a marker."""

    def apply_gradients(self, grads_and_vars, name=None):
        return "test"


class MockOptimizer(tf.keras.optimizers.Optimizer):
    def __init__(self):
        super().__init__("mock")
        self.calls = 0

    def apply_gradients(self, grads_and_vars, name=None):
        self.calls += 1
