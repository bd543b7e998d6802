import tensorflow as tf


class MultiOptimizer(tf.keras.optimizers.Optimizer):
    def __init__(self, optimizer_specs, name="MultiOptimizer", **kwargs):
        super().__init__(name, **kwargs)
        self.optimizer_specs = optimizer_specs

    def apply_gradients(self, grads_and_vars, **kwargs):
        # ``spec`` aliases an element of self.optimizer_specs: the pairs stored into it are
        # applied by the comprehension below, through the attribute.
        for spec in self.optimizer_specs:
            spec["gv"] = []
        for grad, var in tuple(grads_and_vars):
            for spec in self.optimizer_specs:
                if var.name in spec["weights"]:
                    spec["gv"].append((grad, var))
        update_ops = [
            spec["optimizer"].apply_gradients(spec["gv"], **kwargs)
            for spec in self.optimizer_specs
        ]
        return tf.group(update_ops)
