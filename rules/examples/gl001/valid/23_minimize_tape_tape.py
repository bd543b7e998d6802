import tensorflow as tf

opt = tf.keras.optimizers.SGD()
var = tf.Variable(1.0)
for _ in range(10):
    with tf.GradientTape() as tape:
        loss = var ** 2
    opt.minimize(loss, [var], tape=tape)
