import tensorflow as tf


class Trainer:
    def __init__(self, model, optimizer, accumulate):
        self.model = model
        self.optimizer = optimizer
        self.accumulate = accumulate

    def _gradients(self, batch):
        loss = self.model.compute_loss(batch)
        gradients = tf.gradients(loss, self.model.trainable_variables)
        if self.accumulate:
            self.accumulator(gradients)
        return gradients, loss

    def _one_step(self, batch):
        if not self.accumulate:
            gradients, loss = self._gradients(batch)
            # self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))  # GL002
        else:
            loss = self._gradients(batch)[1]
            gradients = self.accumulator.gradients
            self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))
        return loss
