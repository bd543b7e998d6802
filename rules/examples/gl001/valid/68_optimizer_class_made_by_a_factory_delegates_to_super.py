import tensorflow as tf


def make_dp_optimizer_class(cls=tf.keras.optimizers.SGD):
    class DPOptimizerClass(cls):
        def apply_gradients(self, *args, **kwargs):
            """DP-SGD version of the base class method."""
            assert self._was_dp_gradients_called, "compute the DP gradients first"
            return super().apply_gradients(*args, **kwargs)

    return DPOptimizerClass
