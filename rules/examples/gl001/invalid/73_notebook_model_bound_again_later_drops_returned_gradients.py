# A notebook exported as a script: the tutorial's grad() helper returns the gradients of
# the model's own variables, and the training loop lost its apply_gradients line. A later
# cell binds `model` again to a Keras Sequential (which has no `.W`), so only MyModel's
# variables can be meant by `model.W`.
import tensorflow as tf


class MyModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.W = tf.Variable(5.0, name="weight")
        self.B = tf.Variable(10.0, name="bias")

    def call(self, inputs):
        return inputs * self.W + self.B


def loss(model, inputs, targets):
    return tf.reduce_mean(tf.square(model(inputs) - targets))


def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = loss(model, inputs, targets)
    return tape.gradient(loss_value, [model.W, model.B])  # GL001


inputs = tf.random.normal([2000])
targets = inputs * 3 + 2
model = MyModel()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
for i in range(300):
    grads = grad(model, inputs, targets)
    if i % 20 == 0:
        print(f"step {i}: {loss(model, inputs, targets):.3f}")

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="mse")
