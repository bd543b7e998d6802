import tensorflow as tf

weights = {
    "w": tf.Variable(tf.random.normal((3, 1))),
    "b": tf.Variable(tf.zeros((1,))),
}
optimizer = tf.keras.optimizers.Adam()


def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((x @ weights["w"] + weights["b"] - y) ** 2)
    trainable = list(weights.values())
    grads = tape.gradient(loss, trainable)  # GL001
    return loss
