import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1), tf.keras.layers.BatchNormalization()])
optimizer = tf.keras.optimizers.Adam()
checkpoint = tf.train.Checkpoint(variables=model.variables)


def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        loss += 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in model.variables])
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    checkpoint.save("/tmp/ckpt")
