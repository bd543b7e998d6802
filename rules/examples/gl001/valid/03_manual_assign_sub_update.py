import tensorflow as tf

w = tf.Variable(5.0)
b = tf.Variable(0.0)
for epoch in range(10):
    with tf.GradientTape() as t:
        loss = tf.reduce_mean(tf.square(w * 2.0 + b - 1.0))
    dw, db = t.gradient(loss, [w, b])
    w.assign_sub(0.1 * dw)
    b.assign_sub(0.1 * db)
