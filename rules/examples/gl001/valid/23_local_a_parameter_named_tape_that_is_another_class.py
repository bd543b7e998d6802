import tensorflow as tf


class MagneticTape:
    def gradient(self, start, stop):
        return stop - start


def rewind(reel, tape: MagneticTape, optimizer, model):
    # Annotated with another class: not a tf.GradientTape, whatever it is called.
    for step in range(3):
        slope = tape.gradient(step, model.trainable_variables)
        print(slope)
    return reel


def train_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


for reel in range(2):
    rewind(reel, MagneticTape(), None, None)
