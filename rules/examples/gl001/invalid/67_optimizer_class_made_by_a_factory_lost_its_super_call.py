import tensorflow as tf


def make_dp_optimizer_class(cls=tf.keras.optimizers.SGD):
    class DPOptimizerClass(cls):
        def apply_gradients(self, *args, **kwargs):  # GL001
            """DP-SGD version of the base class method; the hand-over to super() is gone."""
            assert self._was_dp_gradients_called, "compute the DP gradients first"

    return DPOptimizerClass
