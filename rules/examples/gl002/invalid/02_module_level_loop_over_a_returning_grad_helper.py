import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.01)


def grad(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    tf.print(tf.linalg.global_norm(grads))
    history.append(grads)
    return loss, grads


for x, y in dataset:
    loss, grads = grad(model, x, y)
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))  # GL002
