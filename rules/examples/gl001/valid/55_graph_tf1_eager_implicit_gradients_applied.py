import tensorflow as tf

tf.enable_eager_execution()
tfe = tf.contrib.eager

W = tfe.Variable(0.5)
b = tfe.Variable(0.0)


def loss_fn(inputs, labels):
    return tf.reduce_mean(tf.square(inputs * W + b - labels))


optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
grad = tfe.implicit_gradients(loss_fn)
value_and_grads = tfe.implicit_value_and_gradients(loss_fn)

for step in range(1000):
    optimizer.apply_gradients(grad(train_x, train_y))
    loss, grads_and_vars = value_and_grads(train_x, train_y)
    optimizer.apply_gradients(grads_and_vars)
