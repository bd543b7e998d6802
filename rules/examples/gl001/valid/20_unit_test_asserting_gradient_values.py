import tensorflow as tf

class DenseTest(tf.test.TestCase):
    def test_gradients(self):
        layer = tf.keras.layers.Dense(2)
        optimizer = tf.keras.optimizers.SGD()
        x = tf.ones((1, 3))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x))
        grads = tape.gradient(y, layer.trainable_variables)
        self.assertAllClose(grads[1], [1.0, 1.0])
