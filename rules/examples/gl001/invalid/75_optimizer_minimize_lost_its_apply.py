# An optimizer's own minimize(): it asks itself for the (gradient, variable) pairs of the
# variables it is given, and the line that applied them was deleted, so every model
# trained with optimizer.minimize(loss, var_list, tape) stays frozen.
import tensorflow as tf


class ClippedOptimizer(tf.keras.optimizers.Optimizer):
    def minimize(self, loss, var_list, tape=None):
        grads_and_vars = self.compute_gradients(loss, var_list, tape)  # GL001
        return self.iterations
