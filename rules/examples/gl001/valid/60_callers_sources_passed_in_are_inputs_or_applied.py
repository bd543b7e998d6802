import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
optimizer = tf.keras.optimizers.Adam(0.001)


def backprop(batch_x, batch_y, variables):
    with tf.GradientTape() as tape:
        tape.watch(batch_x)
        loss = tf.reduce_mean(tf.square(model(batch_x, training=True) - batch_y))
    return tape.gradient(loss, variables)


def saliency(images, labels):
    # The "sources" passed in are the inputs: a saliency map, printed on purpose.
    grads = backprop(images, labels, images)
    print(tf.reduce_max(tf.abs(grads)))


def run_optimization(x, y):
    gradients = backprop(x, y, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))


for batch_x, batch_y in dataset:
    run_optimization(batch_x, batch_y)
    saliency(batch_x, batch_y)
