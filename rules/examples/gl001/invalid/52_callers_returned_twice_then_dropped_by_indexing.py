import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()


def compute(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss, grads


def step(model, x, y):
    return compute(model, x, y)


def fit(model, dataset):
    for x, y in dataset:
        result = step(model, x, y)
        grads = result[1]
        tf.print(result[0], tf.linalg.global_norm(grads))
