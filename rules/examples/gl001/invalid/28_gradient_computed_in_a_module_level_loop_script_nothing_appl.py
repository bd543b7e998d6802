import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(0.01)
for x, y in [(tf.ones((2, 2)), tf.ones((2, 1)))] * 10:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    #opt.apply_gradients(zip(grads, model.trainable_variables))
    print(float(loss))
