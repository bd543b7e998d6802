import tensorflow as tf

def train(model, optimizer, dataset, accum_steps=4):
    accum = [tf.Variable(tf.zeros_like(v), trainable=False) for v in model.trainable_variables]
    for i, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for a, g in zip(accum, grads):
            a.assign_add(g)
        if (i + 1) % accum_steps == 0:
            optimizer.apply_gradients(zip(accum, model.trainable_variables))
