# A privacy wrapper whose class name does not say "optimizer" but whose base is Keras'
# OptimizerV2: its apply_gradients rerouted the pairs to the wrapped optimizer, and that
# line was deleted, so it only projects the weights it never updated.
from tensorflow.python.keras.optimizer_v2 import optimizer_v2


class BoltOn(optimizer_v2.OptimizerV2):
    def __init__(self, internal_optimizer, **kwargs):
        super().__init__("BoltOn", **kwargs)
        self._internal_optimizer = internal_optimizer

    def apply_gradients(self, *args, **kwargs):  # GL001
        self.project_weights_to_r()
        return None

    def project_weights_to_r(self):
        pass
