import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()


def train_step(model, x, y):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(x)
        loss = tf.reduce_mean((predictions - y) ** 2)
    # model.variables holds the moving statistics too: this is a sensitivity check of the
    # output, logged as a norm, not a training step.
    sensitivity = tape.gradient(predictions, model.variables)
    tf.print(tf.linalg.global_norm([s for s in sensitivity if s is not None]))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
