import tensorflow as tf


def create_train_op(total_loss, optimizer, transform_grads_fn=None, apply_fn=None):
    grads = optimizer.compute_gradients(total_loss)
    if transform_grads_fn:
        grads = transform_grads_fn(grads)
    # Passed to a callable parameter without taking its result back: it may apply them.
    with tf.name_scope("train_op"):
        apply_fn(grads)
    return total_loss


def create_train_op_rebinding_an_update(total_loss, optimizer, apply_gradients_fn):
    grads = optimizer.compute_gradients(total_loss)
    # Named like an update: it applies them (and returns its op), whatever it is bound to.
    grads = apply_gradients_fn(grads)
    return grads
