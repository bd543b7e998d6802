# Sharpness-aware minimization: the micro-batch gradients are appended to lists the step
# builds itself, summed, and applied once at the end.
import tensorflow as tf


class SAM(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        gradients_all_batches = []
        for x_batch, y_batch in zip(tf.split(x, 2), tf.split(y, 2)):
            with tf.GradientTape() as tape:
                loss = self.compiled_loss(y_batch, self(x_batch, training=True))
            trainable_variables = self.model.trainable_variables
            gradients = tape.gradient(loss, trainable_variables)
            if len(gradients_all_batches) == 0:
                for gradient in gradients:
                    gradients_all_batches.append([gradient])
            else:
                for gradient, gradient_all_batches in zip(gradients, gradients_all_batches):
                    gradient_all_batches.append(gradient)
        gradients = []
        for gradient_all_batches in gradients_all_batches:
            gradients.append(tf.reduce_sum(gradient_all_batches, axis=0))
        self.optimizer.apply_gradients(zip(gradients, trainable_variables))
        return {"loss": loss}
