import tensorflow as tf


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def _calculate_gradients(self, batch):
        loss = self.model.compute_loss(batch)
        gradients = tf.gradients(loss, self.model.trainable_variables)  # GL001
        return gradients, loss

    def _one_step(self, batch):
        gradients, loss = self._calculate_gradients(batch)
        return loss

    def fit(self, dataset):
        for batch in dataset:
            self._one_step(batch)
