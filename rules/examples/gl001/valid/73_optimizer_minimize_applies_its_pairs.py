# An optimizer's own minimize(): the pairs it computes for the given variables are applied.
import tensorflow as tf


class ClippedOptimizer(tf.keras.optimizers.Optimizer):
    def minimize(self, loss, var_list, tape=None):
        grads_and_vars = self.compute_gradients(loss, var_list, tape)
        clipped = [(tf.clip_by_norm(g, 1.0), v) for g, v in grads_and_vars]
        return self.apply_gradients(clipped)

    def _compute_gradients(self, loss, var_list, grad_loss=None, tape=None):
        grads = tape.gradient(loss, var_list, grad_loss)
        return list(zip(grads, var_list))
