import logging
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.mse(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    logging.info("norm %s", norm)
    return loss, norm
