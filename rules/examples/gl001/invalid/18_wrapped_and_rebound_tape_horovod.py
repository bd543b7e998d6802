import horovod.tensorflow as hvd
import tensorflow as tf

def training_step(model, opt, images, labels):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(images) - labels)
    tape = hvd.DistributedGradientTape(tape)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
