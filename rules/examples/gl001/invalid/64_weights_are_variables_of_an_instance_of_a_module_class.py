import tensorflow as tf


class Model:
    def __init__(self):
        self.W = tf.Variable(5.0)
        self.B = tf.Variable(10.0)

    def __call__(self, inputs):
        return inputs * self.W + self.B


model = Model()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

for i in range(300):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(training_inputs) - training_outputs))
    grads = tape.gradient(loss, [model.W, model.B])  # GL001
    if i % 20 == 0:
        print(i, loss.numpy())
