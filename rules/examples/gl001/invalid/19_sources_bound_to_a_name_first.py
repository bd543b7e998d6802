import tensorflow as tf

def step(model, optimizer, x, y):
    params = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, params)  # GL001
    print(len(grads), f"{grads[0]}")
