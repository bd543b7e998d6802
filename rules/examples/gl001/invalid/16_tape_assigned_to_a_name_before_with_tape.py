import tensorflow as tf

def step(model, optimizer, x, y):
    tape = tf.GradientTape()
    with tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
