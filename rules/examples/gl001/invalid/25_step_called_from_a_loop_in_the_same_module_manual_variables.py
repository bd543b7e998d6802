import tensorflow as tf

W = tf.Variable(tf.zeros((3, 1)))

def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ W - y))
    dW = tape.gradient(loss, W)  # GL001
    print("loss", loss)

for i in range(10):
    step(tf.ones((4, 3)), tf.ones((4, 1)))
