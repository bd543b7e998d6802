import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, [None, 784])
y = tf.compat.v1.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(x, W)))

with tf.name_scope("SGD"):
    # The optimizer is built in the same block, before the gradients: in reach. The
    # apply_gradients line of this block was lost; the gradients only go to summaries.
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.01)
    grads = tf.gradients(loss, tf.compat.v1.trainable_variables())  # GL001
    grads = list(zip(grads, tf.compat.v1.trainable_variables()))

for grad, var in grads:
    tf.compat.v1.summary.histogram(var.name + "/gradient", grad)
