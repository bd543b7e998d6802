import tensorflow as tf

W = tf.Variable(tf.zeros([784, 10]))

with tf.name_scope("analysis"):
    # Module-level code runs top to bottom: the sensitivity summary comes before any
    # optimizer exists, and the optimizer built below trains through minimize.
    score = tf.reduce_sum(tf.matmul(images, W))
    sensitivity = tf.gradients(score, [W])
    tf.compat.v1.summary.histogram("sensitivity", sensitivity[0])
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.01)
    train_op = optimizer.minimize(loss)
