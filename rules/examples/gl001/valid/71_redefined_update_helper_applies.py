# A notebook exported as a script: the first update_weights was a placeholder, and the
# later cell's redefinition, which the training step calls, applies the gradients.
import tensorflow as tf


def update_weights(gradients, weights):
    pass


optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)


def update_weights(gradients, weights):
    optimizer.apply_gradients(zip(gradients, weights))


def one_training_step(model, images_batch, labels_batch):
    with tf.GradientTape() as tape:
        predictions = model(images_batch)
        loss = tf.keras.losses.sparse_categorical_crossentropy(labels_batch, predictions)
        average_loss = tf.reduce_mean(loss)
    gradients = tape.gradient(average_loss, model.trainable_weights)
    update_weights(gradients, model.trainable_weights)
    return average_loss
