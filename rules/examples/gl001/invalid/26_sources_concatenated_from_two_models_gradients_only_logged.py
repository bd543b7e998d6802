import tensorflow as tf
from absl import logging

def step(enc, dec, opt, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(dec(enc(x)) - x))
    grads = tape.gradient(loss, enc.trainable_variables + dec.trainable_variables)  # GL001
    logging.info("grads: %s", grads)
