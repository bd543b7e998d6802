import tensorflow as tf


class Model(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.W = tf.Variable(5.0)
        self.B = tf.Variable(10.0)

    def call(self, inputs):
        return inputs * self.W + self.B


def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = tf.reduce_mean(tf.square(model(inputs) - targets))
    return tape.gradient(loss_value, [model.W, model.B])  # GL001


model = Model()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
for i in range(300):
    grads = grad(model, training_inputs, training_outputs)
    print(i, [g.numpy() for g in grads])
