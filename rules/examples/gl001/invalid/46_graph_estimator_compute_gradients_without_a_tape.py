import tensorflow.compat.v1 as tf


def model_fn(features, labels, mode, params):
    logits = build_model(features, training=mode == tf.estimator.ModeKeys.TRAIN)
    loss = tf.losses.softmax_cross_entropy(labels, logits)
    train_op = None
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.train.MomentumOptimizer(params["lr"], momentum=0.9)
        var_list = tf.trainable_variables()
        # Pairs computed and clipped in an estimator's model_fn; nothing applies them.
        grads_and_vars = optimizer.compute_gradients(loss, var_list)  # GL001
        grads = [gv[0] for gv in grads_and_vars]
        tf.summary.scalar("gnorm", tf.linalg.global_norm(grads))
        train_op = tf.no_op()
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
