import tensorflow as tf


def create_train_op(total_loss, optimizer, transform_grads_fn=None):
    # ``grads = transform_grads_fn(grads)``: a callable parameter that gives back the
    # transformed gradients (clipping, noise); the apply_gradients call was lost.
    grads = optimizer.compute_gradients(total_loss)  # GL001
    if transform_grads_fn:
        grads = transform_grads_fn(grads)
    with tf.name_scope("train_op"):
        total_loss = tf.debugging.check_numerics(total_loss, "LossTensor is inf or nan")
    return total_loss
