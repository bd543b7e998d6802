import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.mse(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    tf.print("grad norm:", tf.linalg.global_norm(grads), tf.norm(grads[0]))
    return loss
