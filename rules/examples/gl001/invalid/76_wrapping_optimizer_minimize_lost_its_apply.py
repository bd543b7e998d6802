# A wrapper around a TF1 optimizer: minimize() differentiates the loss with respect to the
# var_list it is given (the variables to update, by the optimizer API's contract), and the
# apply_gradients line was deleted.
import tensorflow as tf


class WrappingOptimizer(tf.keras.optimizers.Optimizer):
    def __init__(self, optimizer):
        super().__init__("WrappingOptimizer")
        self.optimizer = optimizer

    def minimize(self, loss, var_list, grad_loss=None, tape=None):
        tape = tape if tape is not None else tf.GradientTape()
        var_list = tf.nest.flatten(var_list)
        grads = tape.gradient(loss, var_list, grad_loss)  # GL001
        grads_and_vars = list(zip(grads, var_list))
        tf.print("pairs:", len(grads_and_vars))
        return self.iterations
