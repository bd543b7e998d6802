import tensorflow.compat.v1 as tf


def model_fn(features, labels, mode, params):
    loss = tf.losses.softmax_cross_entropy(labels, build_model(features))
    optimizer = tf.train.MomentumOptimizer(params["lr"], momentum=0.9)
    grads_and_vars = optimizer.compute_gradients(loss, tf.trainable_variables())
    grads = [tf.clip_by_norm(g, 1.0) for g, _ in grads_and_vars]
    tvars = [v for _, v in grads_and_vars]
    train_op = optimizer.apply_gradients(list(zip(grads, tvars)), tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
