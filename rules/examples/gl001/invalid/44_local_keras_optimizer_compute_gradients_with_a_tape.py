import tensorflow as tf


class DPModel(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
        # compute_gradients returns (gradient, variable) pairs: nothing applies them.
        grads_and_vars = self.optimizer.compute_gradients(  # GL001
            loss, self.trainable_variables, tape=tape
        )
        tf.print([tf.norm(g) for g, _ in grads_and_vars])
        return {"loss": loss}
