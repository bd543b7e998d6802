import tensorflow as tf


class AdamWeightDecay(tf.keras.optimizers.Adam):
    def apply_gradients(self, grads_and_vars, clip_norm=0.5, **kwargs):  # GL001
        # The clipped pairs never reach super().apply_gradients: nothing trains.
        grads, tvars = list(zip(*grads_and_vars))
        (grads, _) = tf.clip_by_global_norm(grads, clip_norm=clip_norm)
        return None
