import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
optimizer = tf.keras.optimizers.Adam(0.001)


def backprop(batch_x, batch_y, variables):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(batch_x, training=True) - batch_y))
    return tape.gradient(loss, variables)  # GL001


def run_optimization(x, y):
    # The weights come in through the caller; what comes back is never applied.
    trainable_variables = model.trainable_variables
    gradients = backprop(x, y, trainable_variables)
    print(tf.linalg.global_norm(gradients))


for batch_x, batch_y in dataset:
    run_optimization(batch_x, batch_y)
