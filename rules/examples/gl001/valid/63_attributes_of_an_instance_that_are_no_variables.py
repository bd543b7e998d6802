import tensorflow as tf


class Probe:
    def __init__(self, images):
        self.images = tf.convert_to_tensor(images)
        self.scale = tf.Variable(1.0, trainable=False)


probe = Probe(batch)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

for step in range(10):
    with tf.GradientTape() as tape:
        tape.watch(probe.images)
        score = tf.reduce_sum(model(probe.images))
    # Gradients of the inputs (a saliency map), printed on purpose.
    saliency = tape.gradient(score, probe.images)
    print(tf.reduce_max(saliency))
