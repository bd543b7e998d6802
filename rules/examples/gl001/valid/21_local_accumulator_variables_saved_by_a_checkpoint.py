import tensorflow as tf


def train(model, optimizer, dataset, checkpoint_dir):
    # The buffers are read elsewhere (a checkpoint, another step): gradlint cannot tell
    # what happens to them there, so storing into them counts as a use.
    accum = [tf.Variable(tf.zeros_like(v), trainable=False) for v in model.trainable_variables]
    checkpoint = tf.train.Checkpoint(accum=accum, optimizer=optimizer)
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for a, g in zip(accum, grads):
            a.assign_add(g)
    checkpoint.save(checkpoint_dir)
