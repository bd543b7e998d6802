import tensorflow as tf


class ClippingOptimizer(tf.compat.v1.train.AdamOptimizer):
    def compute_gradients(self, loss, var_list=None, **kwargs):
        pairs = super().compute_gradients(loss, var_list, **kwargs)
        return [(tf.clip_by_norm(g, 1.0), v) for g, v in pairs]
