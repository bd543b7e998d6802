import tensorflow as tf


def create_train_op(loss, init_lr):
    # TF1 graph mode: no tape, tf.gradients; the apply_gradients line was lost.
    global_step = tf.compat.v1.train.get_or_create_global_step()
    optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=init_lr)
    tvars = tf.compat.v1.trainable_variables()
    grads = tf.gradients(loss, tvars)  # GL001
    (grads, _) = tf.clip_by_global_norm(grads, clip_norm=1.0)
    return tf.group(global_step.assign(global_step + 1))
