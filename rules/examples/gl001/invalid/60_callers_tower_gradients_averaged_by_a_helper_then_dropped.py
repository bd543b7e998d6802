import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
optimizer = tf.keras.optimizers.Adam(0.001)


def backprop(batch_x, batch_y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(batch_x, training=True) - batch_y))
    return tape.gradient(loss, model.trainable_variables)  # GL001


def average_gradients(tower_grads):
    averaged = []
    for per_variable in zip(*tower_grads):
        averaged.append(tf.reduce_mean(tf.stack(per_variable), 0))
    return averaged


def run_optimization(x, y, num_gpus):
    # Multi-GPU towers: the averaged gradients never reach optimizer.apply_gradients.
    tower_grads = []
    for i in range(num_gpus):
        tower_grads.append(backprop(x[i], y[i]))
    gradients = average_gradients(tower_grads)
    print(len(gradients))


for batch_x, batch_y in dataset:
    run_optimization(batch_x, batch_y, 2)
