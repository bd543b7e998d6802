import tensorflow as tf


def _apply_gradients(opt, g, v):
    gvs = tuple(
        (g_, v_) for g_, v_ in zip(tf.nest.flatten(g), tf.nest.flatten(v)) if g_ is not None
    )
    if gvs:
        # opt.apply_gradients(gvs)  # GL002
        pass


def fit_op(model, optimizer, loss_fn, x, summary_fn):
    with tf.GradientTape() as tape:
        loss = loss_fn(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    _apply_gradients(optimizer, grads, model.trainable_variables)
    return loss, summary_fn(grads)
