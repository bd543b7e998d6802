# A notebook exported as a script: a later cell redefines update_weights to use an
# optimizer instead of the manual update, and the redefinition's apply_gradients line was
# deleted. The training step runs after both definitions, so it calls the empty one.
import tensorflow as tf

learning_rate = 1e-3


def update_weights(gradients, weights):
    for g, w in zip(gradients, weights):
        w.assign(w - g * learning_rate)


optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)


def update_weights(gradients, weights):
    pass


def one_training_step(model, images_batch, labels_batch):
    with tf.GradientTape() as tape:
        predictions = model(images_batch)
        loss = tf.keras.losses.sparse_categorical_crossentropy(labels_batch, predictions)
        average_loss = tf.reduce_mean(loss)
    gradients = tape.gradient(average_loss, model.trainable_weights)  # GL001
    update_weights(gradients, model.trainable_weights)
    return average_loss
