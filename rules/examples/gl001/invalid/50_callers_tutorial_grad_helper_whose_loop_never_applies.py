import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)


def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = tf.reduce_mean((model(inputs, training=True) - targets) ** 2)
    return loss_value, tape.gradient(loss_value, model.trainable_variables)  # GL001


for epoch in range(10):
    for x, y in dataset:
        loss_value, grads = grad(model, x, y)
        print(epoch, loss_value)
