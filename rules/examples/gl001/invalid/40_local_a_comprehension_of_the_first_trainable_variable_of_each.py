import tensorflow as tf
import tensorflow_probability as tfp

amplitude = tfp.util.TransformedVariable(1.0, tfp.bijectors.Softplus())
length_scale = tfp.util.TransformedVariable(1.0, tfp.bijectors.Softplus())
trainable_variables = [v.trainable_variables[0] for v in [amplitude, length_scale]]
optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)


@tf.function
def train_model():
    with tf.GradientTape() as tape:
        loss = -target_log_prob(amplitude, length_scale)
    grads = tape.gradient(loss, trainable_variables)  # GL001
    return loss


for i in range(1000):
    train_model()
