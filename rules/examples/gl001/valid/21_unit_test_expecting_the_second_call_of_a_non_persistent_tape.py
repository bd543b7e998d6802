import tensorflow as tf

class TapeTest(tf.test.TestCase):
    def test_second_call_raises(self):
        w = tf.Variable(1.0)
        opt = tf.keras.optimizers.SGD()
        with tf.GradientTape() as tape:
            y = w * w
        tape.gradient(y, [w])
        with self.assertRaises(RuntimeError):
            tape.gradient(y, [w])
