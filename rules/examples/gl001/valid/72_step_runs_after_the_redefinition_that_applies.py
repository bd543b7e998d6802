# The step is defined before a placeholder update helper and its real redefinition; fit()
# runs it only after the redefinition, which applies the gradients.
import tensorflow as tf


def one_training_step(model, images_batch, labels_batch):
    with tf.GradientTape() as tape:
        predictions = model(images_batch)
        losses = tf.keras.losses.sparse_categorical_crossentropy(labels_batch, predictions)
        average_loss = tf.reduce_mean(losses)
    gradients = tape.gradient(average_loss, model.trainable_weights)
    update_weights(gradients, model.trainable_weights)
    return average_loss


def update_weights(gradients, weights):
    pass


optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)


def update_weights(gradients, weights):
    optimizer.apply_gradients(zip(gradients, weights))


def fit(model, images, labels, epochs):
    for _ in range(epochs):
        loss = one_training_step(model, images, labels)
        print(f"loss: {float(loss):.2f}")


model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
fit(model, tf.zeros([8, 4]), tf.zeros([8]), epochs=2)
