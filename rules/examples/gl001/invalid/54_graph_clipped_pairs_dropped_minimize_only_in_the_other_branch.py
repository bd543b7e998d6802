import tensorflow.compat.v1 as tf


def model_fn(features, labels, mode, params):
    loss = tf.losses.softmax_cross_entropy(labels, build_model(features))
    optimizer = tf.train.AdamOptimizer(params["lr"])
    var_list = tf.trainable_variables()
    if params["clip_gradients_norm"]:
        grads_and_vars = optimizer.compute_gradients(loss, var_list)  # GL001
        grads = [tf.clip_by_norm(g, 1.0) for g, _ in grads_and_vars]
        grads_and_vars = list(zip(grads, var_list))
        train_op = tf.no_op()
    else:
        # The other branch trains: on the clipping path nothing applies the pairs.
        train_op = optimizer.minimize(loss, tf.train.get_global_step(), var_list=var_list)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
