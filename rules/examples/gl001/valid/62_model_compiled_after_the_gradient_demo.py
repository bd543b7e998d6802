import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])

# A notebook's sensitivity check before any training is set up: no optimizer in reach.
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(tf.square(model(x_probe) - y_probe))
grads = tape.gradient(loss, model.trainable_variables)
print([tf.norm(g) for g in grads])

model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, epochs=3)
