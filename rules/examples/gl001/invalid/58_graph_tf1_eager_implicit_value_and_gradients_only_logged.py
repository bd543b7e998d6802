import tensorflow.contrib.eager as tfe
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
optimizer = tf.train.AdamOptimizer(learning_rate=0.001)


def loss_fn(model, images, labels):
    logits = model(images)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


value_and_grads = tfe.implicit_value_and_gradients(loss_fn)  # GL001
for images, labels in dataset:
    loss, grads_and_vars = value_and_grads(model, images, labels)
    print(loss, [tf.norm(g) for g, _ in grads_and_vars])
