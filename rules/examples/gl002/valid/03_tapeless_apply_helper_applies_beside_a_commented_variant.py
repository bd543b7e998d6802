import tensorflow as tf


def _apply_gradients(opt, g, v):
    gvs = [(g_, v_) for g_, v_ in zip(g, v) if g_ is not None]
    # opt.apply_gradients(gvs)
    opt.apply_gradients([(tf.clip_by_norm(g_, 1.0), v_) for g_, v_ in gvs])


def _log(opt, loss):
    # opt.apply_gradients(old_gvs)
    print(loss)


def fit_op(model, optimizer, loss_fn, x):
    with tf.GradientTape() as tape:
        loss = loss_fn(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    _apply_gradients(optimizer, grads, model.trainable_variables)
    _log(optimizer, loss)
    return loss
