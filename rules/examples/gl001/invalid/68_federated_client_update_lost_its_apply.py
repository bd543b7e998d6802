# A TensorFlow Federated client update: the gradients are taken with respect to
# ModelWeights.trainable (the model's trainable variables), but the client optimizer's
# apply_gradients line was deleted, so every client sends back a zero model delta.
import tensorflow as tf
import tensorflow_federated as tff


@tf.function
def client_update(model, dataset, initial_weights, client_optimizer):
    model_weights = tff.learning.models.ModelWeights.from_model(model)
    tf.nest.map_structure(lambda v, t: v.assign(t), model_weights, initial_weights)
    for batch in iter(dataset):
        with tf.GradientTape() as tape:
            outputs = model.forward_pass(batch)
        grads = tape.gradient(outputs.loss, model_weights.trainable)  # GL001
    return tf.nest.map_structure(
        lambda a, b: a - b, model_weights.trainable, initial_weights.trainable
    )
