import tensorflow as tf
from tensorflow.keras import backend as K


def build_train_function(model, optimizer):
    loss = K.mean(K.square(model.output - model.targets[0]))
    # Keras 2 graph mode: the optimizer's gradients are only printed.
    grads = optimizer.get_gradients(loss, model.trainable_weights)  # GL001
    tf.print(tf.linalg.global_norm(grads))
    return K.function(model.inputs + model.targets, [loss])
