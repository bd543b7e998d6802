import tensorflow as tf

def fit(model, optimizer, dataset):
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        continue
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
