import tensorflow as tf

class GradHistogram(tf.keras.callbacks.Callback):
    def __init__(self, x, y, writer):
        super().__init__()
        self.x, self.y, self.writer = x, y, writer

    def on_epoch_end(self, epoch, logs=None):
        with tf.GradientTape() as tape:
            loss = self.model.compiled_loss(self.y, self.model(self.x))
        grads = tape.gradient(loss, self.model.trainable_weights)
        with self.writer.as_default():
            for w, g in zip(self.model.trainable_weights, grads):
                tf.summary.histogram(w.name, g, step=self.model.optimizer.iterations)
