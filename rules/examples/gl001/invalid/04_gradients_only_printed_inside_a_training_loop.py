import tensorflow as tf

w = tf.Variable(1.0)
b = tf.Variable(0.0)
for step in range(100):
    with tf.GradientTape() as tape:
        loss = (w * 3.0 + b - 7.0) ** 2
    dw, db = tape.gradient(loss, [w, b])  # GL001
    print(step, loss.numpy(), dw.numpy(), db.numpy())
