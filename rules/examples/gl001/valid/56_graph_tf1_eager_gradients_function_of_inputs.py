import tensorflow as tf

tfe = tf.contrib.eager


def square(x):
    return x * x


# Gradients with respect to the function's inputs (no variables, nothing to train), and an
# implicit-gradients demo without an optimizer: printed on purpose.
grad_square = tfe.gradients_function(square)
print(grad_square(3.0))

W = tfe.Variable(2.0)
grad = tfe.implicit_gradients(lambda x: W * x)
for x in [1.0, 2.0, 3.0]:
    print(grad(x))
