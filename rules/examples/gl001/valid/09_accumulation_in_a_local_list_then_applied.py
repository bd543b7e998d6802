import tensorflow as tf

def train_step(model, optimizer, batches):
    total = None
    for x, y in batches:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        if total is None:
            total = list(grads)
        else:
            total = [t + g for t, g in zip(total, grads)]
    optimizer.apply_gradients(zip(total, model.trainable_variables))
