import tensorflow as tf


def train_step(x_batch, y_batch, loss, model, optimizer):
    # model.variables holds every variable; the gradient of a loss w.r.t. them is a step.
    with tf.GradientTape() as tape:
        y_pred = model(x_batch)
        batch_loss = loss(y_pred, y_batch)
    grads = tape.gradient(batch_loss, model.variables)  # GL001
    return batch_loss
