"""A frozen training step shared by the tests of the command line and its integrations.

``FROZEN_STEP_TEMPLATE`` leaves a ``{comment}`` slot after the flagged line, for the tests
of ``noqa`` comments; ``FROZEN_STEP`` is the same step without one (GL001 at line 8, col 13).
"""

FROZEN_STEP_TEMPLATE = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.SGD()

def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables){comment}
    return loss
"""

FROZEN_STEP = FROZEN_STEP_TEMPLATE.format(comment="")
