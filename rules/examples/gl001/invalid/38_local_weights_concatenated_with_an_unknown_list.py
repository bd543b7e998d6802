import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()


def train_step(model, extra_variables, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x))
    grads = tape.gradient(loss, model.trainable_variables + extra_variables)  # GL001
    tf.print(tf.linalg.global_norm(grads))
    return loss
