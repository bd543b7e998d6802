import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam()

for x, y in [(tf.ones((4, 3)), tf.ones((4, 1)))]:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)


def apply_pending():
    # No local binding of grads: this reads the module's (a closure over it).
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


apply_pending()
