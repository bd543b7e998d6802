# TransformerTTS-style model: a helper records the forward pass and returns its tape;
# the train step asks that tape for the gradients, and its apply_gradients line was
# deleted. The optimizer is the one the class compiles itself with.
import tensorflow as tf


class Aligner(tf.keras.models.Model):
    def _compile(self, optimizer):
        self.compile(loss=tf.keras.losses.MeanAbsoluteError(), optimizer=optimizer)

    def _forward(self, inputs, targets, training):
        with tf.GradientTape() as tape:
            outputs = self(inputs, training=training)
            loss = self.compiled_loss(targets, outputs)
        return {"loss": loss, "outputs": outputs}, tape

    def _train_step(self, inputs, targets):
        model_out, tape = self._forward(inputs, targets, training=True)
        gradients = tape.gradient(model_out["loss"], self.trainable_variables)  # GL001
        return model_out
