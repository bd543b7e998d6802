import tensorflow as tf
from mylib.training import apply_clipped

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    apply_clipped(optimizer, grads, model.trainable_variables)
