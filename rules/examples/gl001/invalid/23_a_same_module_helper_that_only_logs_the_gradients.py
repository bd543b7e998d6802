import tensorflow as tf

def log_gradients(grads, step):
    for g in grads:
        tf.print(step, tf.norm(g))

def train(model, optimizer, dataset):
    for step, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        log_gradients(grads, step)
