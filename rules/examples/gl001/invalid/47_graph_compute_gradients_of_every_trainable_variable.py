import tensorflow as tf

graph = tf.Graph()
with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [None, 4])
    y = tf.compat.v1.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([4, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    # No var_list: the pairs cover every trainable variable; the apply was deleted.
    gradients, v = zip(*optimizer.compute_gradients(loss))  # GL001
    gradients, _ = tf.clip_by_global_norm(gradients, 1.25)
    prediction = tf.matmul(x, w)
