import tensorflow as tf


def saliency(model, optimizer, images, label):
    logits = model(images)
    for _ in range(3):
        grads = tf.gradients(logits[:, label], images)[0]
        print(tf.reduce_max(tf.abs(grads), axis=-1))
