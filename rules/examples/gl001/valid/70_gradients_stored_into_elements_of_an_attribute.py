# A multi-optimizer wrapper: each spec is an element of an attribute, so appending the
# gradients to a spec's list stores them where apply_gradients reads them later.
import tensorflow as tf


class MultiOptimizer(tf.keras.optimizers.Optimizer):
    def __init__(self, specs):
        super().__init__("MultiOptimizer")
        self.specs = specs

    def collect(self, model, loss_fn, x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        specs = self.specs
        for spec, grad in zip(specs, grads):
            spec["grads"].append(grad)
        return loss

    def apply_all(self):
        for spec in self.specs:
            spec["optimizer"].apply_gradients(zip(spec["grads"], spec["weights"]))
