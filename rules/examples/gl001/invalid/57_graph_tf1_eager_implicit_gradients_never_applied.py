import tensorflow as tf

tf.enable_eager_execution()
tfe = tf.contrib.eager

W = tfe.Variable(0.5)
b = tfe.Variable(0.0)


def loss_fn(inputs, labels):
    return tf.reduce_mean(tf.square(inputs * W + b - labels))


optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
# TF1 eager: a function that returns (gradient, variable) pairs of every variable it touches;
# the loop below lost its optimizer.apply_gradients(grad(x, y)).
grad = tfe.implicit_gradients(loss_fn)  # GL001

for step in range(1000):
    if step % 100 == 0:
        print(step, loss_fn(train_x, train_y))
