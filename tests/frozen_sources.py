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


# A step that hands its gradients to a helper of another module (the editor's cross-module
# tests): the helper applies them, or drops them.
HELPER_APPLIES = "def apply(optimizer, grads, variables):\n    optimizer.apply_gradients(zip(grads, variables))\n"
HELPER_DROPS = "def apply(optimizer, grads, variables):\n    print(len(grads))\n"
CALLER = """import tensorflow as tf

from helpers import apply

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    apply(optimizer, grads, model.trainable_variables)
    return loss


for x, y in data:
    train_step(x, y)
"""
