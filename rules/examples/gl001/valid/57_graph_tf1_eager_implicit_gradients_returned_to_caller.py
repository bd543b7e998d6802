import tensorflow as tf

tfe = tf.contrib.eager


def make_gradient_fn(loss_fn):
    # A library helper: its callers decide what to do with the gradient function.
    return tfe.implicit_gradients(loss_fn)


def train(model_loss, optimizer, batches):
    grad = make_gradient_fn(model_loss)
    for x, y in batches:
        optimizer.apply_gradients(grad(x, y))
