import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, [None, 2])
w = tf.Variable(tf.ones([2, 1]))
loss = tf.reduce_mean(tf.matmul(x, w))
optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
grads = tf.gradients(loss, [w])
with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for batch in batches:
        # Fetched to be inspected or fed back: the session decides.
        print(sess.run(grads, feed_dict={x: batch}))
