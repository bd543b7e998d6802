# Domain-adversarial training with both updates: the target step applies its gradients to
# the weights that filter() kept.
import tensorflow as tf


def train_epoch(model, optimizer, cce, bce, source_batches, target_batches):
    variables_but_classifier = list(
        filter(lambda v: "digits" not in v.name, model.trainable_variables)
    )
    for (x_source, y_source, d_source), (x_target, d_target) in zip(
        source_batches, target_batches
    ):
        with tf.GradientTape() as tape:
            digits, domains = model(x_source)
            source_loss = cce(y_source, digits) + 0.2 * bce(d_source, domains)
        gradients = tape.gradient(source_loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        with tf.GradientTape() as tape:
            _, domains = model(x_target)
            target_loss = 0.2 * bce(d_target, domains)
        gradients = tape.gradient(target_loss, variables_but_classifier)
        optimizer.apply_gradients(zip(gradients, variables_but_classifier))
