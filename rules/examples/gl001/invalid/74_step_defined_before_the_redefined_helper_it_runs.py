# Deep Learning with Python, exported as a script: the training step is defined first, the
# update helper twice after it (by hand, then with an optimizer), and fit() runs the step
# only after both. The optimizer version lost its apply_gradients line, and that is the
# definition every run of the step calls.
import tensorflow as tf


def one_training_step(model, images_batch, labels_batch):
    with tf.GradientTape() as tape:
        predictions = model(images_batch)
        losses = tf.keras.losses.sparse_categorical_crossentropy(labels_batch, predictions)
        average_loss = tf.reduce_mean(losses)
    gradients = tape.gradient(average_loss, model.trainable_weights)  # GL001
    update_weights(gradients, model.trainable_weights)
    return average_loss


learning_rate = 1e-3


def update_weights(gradients, weights):
    for g, w in zip(gradients, weights):
        w.assign_sub(g * learning_rate)


optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)


def update_weights(gradients, weights):
    pass


def fit(model, images, labels, epochs):
    for _ in range(epochs):
        loss = one_training_step(model, images, labels)
        print(f"loss: {float(loss):.2f}")


model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
model.fit  # a mention of Keras' fit method is no call of the function fit
fit(model, tf.zeros([8, 4]), tf.zeros([8]), epochs=2)
