import tensorflow as tf


def build_train_op(loss, optimizer):
    # The gradients are computed for a summary; minimize(loss) is the update.
    tvars = tf.compat.v1.trainable_variables()
    grads = tf.gradients(loss, tvars)
    tf.compat.v1.summary.scalar("grad_norm", tf.linalg.global_norm(grads))
    return optimizer.minimize(loss, var_list=tvars)
