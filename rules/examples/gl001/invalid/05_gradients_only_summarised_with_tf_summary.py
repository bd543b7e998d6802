import tensorflow as tf

def train(model, dataset, optimizer, writer):
    for step, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)  # GL001
        with writer.as_default():
            for g in grads:
                tf.summary.histogram("grad", g, step=step)
            tf.summary.scalar("loss", loss, step=step)
