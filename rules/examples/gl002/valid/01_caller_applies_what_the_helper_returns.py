import tensorflow as tf


class Trainer:
    def _gradients(self, batch):
        loss = self.model.compute_loss(batch)
        gradients = tf.gradients(loss, self.model.trainable_variables)
        self.accumulator(gradients)
        return gradients, loss

    def _one_step(self, batch):
        gradients, loss = self._gradients(batch)
        # self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))
        clipped, _ = tf.clip_by_global_norm(gradients, 1.0)
        self.optimizer.apply_gradients(zip(clipped, self.model.trainable_variables))
        return loss
