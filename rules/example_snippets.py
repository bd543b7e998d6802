"""The module prelude that several rules' VALID/INVALID examples start from.

One copy keeps the examples of GL002, GL003, GL005 and GL007 consistent with each other.
"""

MODULE_SETUP = """\
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
loss_fn = tf.keras.losses.MeanSquaredError()
optimizer = tf.keras.optimizers.Adam()

"""

#: Imports plus the model, loss and optimizer, ending with a blank line.
TF_HEAD = "import tensorflow as tf\n\n" + MODULE_SETUP
#: The same with NumPy imported too (for examples that misuse it).
NUMPY_TF_HEAD = "import numpy as np\nimport tensorflow as tf\n\n" + MODULE_SETUP
#: ``TF_HEAD`` followed by the first lines of a training step, up to ``grads = ...``.
TRAIN_STEP_HEAD = (
    TF_HEAD
    + """
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
"""
)
