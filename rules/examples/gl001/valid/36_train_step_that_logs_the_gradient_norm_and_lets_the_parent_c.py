import tensorflow as tf

class Monitored(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
        grads = tape.gradient(loss, self.trainable_variables)
        tf.print("grad norm", tf.linalg.global_norm(grads))
        return super().train_step(data)
