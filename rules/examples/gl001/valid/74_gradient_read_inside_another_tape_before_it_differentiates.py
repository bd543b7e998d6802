# MAML's inner step inside the outer tape: the inner gradients build the fast weights, and
# the outer tape differentiates the loss computed from them afterwards (a higher-order
# gradient), so the inner gradients are used even though no optimizer applies them.
import tensorflow as tf


def meta_step(model, optimizer, x_support, y_support, x_query, y_query, lr=0.01):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            support_loss = tf.reduce_mean((model(x_support) - y_support) ** 2)
        grads = inner.gradient(support_loss, model.trainable_variables)
        fast = [w - lr * g for w, g in zip(model.trainable_variables, grads)]
        query_loss = tf.reduce_mean((model.call_with(fast, x_query) - y_query) ** 2)
    meta_grads = outer.gradient(query_loss, model.trainable_variables)
    optimizer.apply_gradients(zip(meta_grads, model.trainable_variables))
