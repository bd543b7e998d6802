import tensorflow as tf


def hessian_vector_product(model, optimizer, loss, vector):
    # The first gradients are differentiated again: they feed the second tf.gradients.
    params = model.trainable_variables
    grads = tf.gradients(loss, params)
    dot = tf.add_n([tf.reduce_sum(g * v) for g, v in zip(grads, vector)])
    return tf.gradients(dot, params)
