import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")


@tf.function
def train_step(x, y):
    # The compiled model's optimizer was the update (model.optimizer.apply_gradients);
    # that line was lost, and nothing else names an optimizer.
    with tf.GradientTape() as tape:
        loss = model.compiled_loss(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    model.compiled_metrics.update_state(y, model(x))
    return loss
