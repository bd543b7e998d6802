import tensorflow as tf

w = tf.Variable(tf.zeros([3, 1]))
b = tf.Variable(0.0)
opt = tf.keras.optimizers.SGD(0.1)
for x, y in dataset:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.matmul(x, w) + b - y) ** 2)
    dw, db = tape.gradient(loss, [w, b])  # GL001
    w.assign_sub(0.1 * dw)
