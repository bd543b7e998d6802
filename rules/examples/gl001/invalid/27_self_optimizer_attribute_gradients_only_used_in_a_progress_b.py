import tensorflow as tf

class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = tf.keras.optimizers.Adam()

    def step(self, x, y, pbar):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.model(x) - y)
        grads = tape.gradient(loss, self.model.trainable_variables)  # GL001
        pbar.set_postfix(loss=float(loss), gnorm=float(tf.linalg.global_norm(grads)))
