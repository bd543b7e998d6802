import tensorflow as tf


class AdamWeightDecay(tf.keras.optimizers.Adam):
    def apply_gradients(self, grads_and_vars, clip_norm=0.5, **kwargs):
        grads, tvars = list(zip(*grads_and_vars))
        (grads, _) = tf.clip_by_global_norm(grads, clip_norm=clip_norm)
        return super().apply_gradients(zip(grads, tvars), **kwargs)


class Base(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None):
        raise NotImplementedError("subclasses apply the gradients")


class Wrapped(tf.keras.optimizers.Optimizer):
    def __init__(self, inner):
        self._optimizer = inner

    def apply_gradients(self, grads_and_vars, **kwargs):
        grads_and_vars = list(grads_and_vars)
        return self._optimizer.apply_gradients(grads_and_vars, **kwargs)


class Delayed(tf.keras.optimizers.SGD):
    def apply_gradients(self, grads_and_vars, **kwargs):
        self._pending = list(grads_and_vars)  # applied later, by another method
        return self.iterations
