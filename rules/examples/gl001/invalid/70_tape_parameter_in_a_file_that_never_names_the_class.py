# dreamerv2-style optimizer helper: it receives the caller's tape and never spells the tape
# class, averages the gradients across replicas, and its apply_gradients call was deleted.
import tensorflow as tf


class Optimizer(tf.Module):
    def __init__(self, name, lr):
        self._name = name
        self._opt = tf.optimizers.Adam(lr)

    def __call__(self, tape, loss, modules):
        varibs = tf.nest.flatten([module.trainable_variables for module in modules])
        grads = tape.gradient(loss, varibs)  # GL001
        context = tf.distribute.get_replica_context()
        if context:
            grads = context.all_reduce("mean", grads)
        return {f"{self._name}_grad_norm": tf.linalg.global_norm(grads)}
