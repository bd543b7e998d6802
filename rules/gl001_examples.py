"""Examples for GL001, run as tests and kept beside the rule (Fixit style).

Each INVALID example marks the line of the expected finding with a ``# GL001`` comment.
"""

from __future__ import annotations

from gradlint.rules.base import Invalid

VALID: list[str] = [
    # correct loop
    """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()

@tf.function
def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
""",
    # Keras 3 optimizer.apply
    """\
import tensorflow as tf
import keras

optimizer = keras.optimizers.Adam()

def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = keras.ops.mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply(grads, model.trainable_weights)
""",
    # manual assign_sub update
    """\
import tensorflow as tf

w = tf.Variable(5.0)
b = tf.Variable(0.0)
for epoch in range(10):
    with tf.GradientTape() as t:
        loss = tf.reduce_mean(tf.square(w * 2.0 + b - 1.0))
    dw, db = t.gradient(loss, [w, b])
    w.assign_sub(0.1 * dw)
    b.assign_sub(0.1 * db)
""",
    # manual update in a for loop over zip(grads, vars)
    """\
import tensorflow as tf

def train(model, dataset, lr=0.01):
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for g, v in zip(grads, model.trainable_variables):
            v.assign_sub(lr * g)
""",
    # gradients returned to the caller
    """\
import tensorflow as tf

def compute_gradients(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    return loss, grads
""",
    # gradients yielded
    """\
import tensorflow as tf

def gradient_stream(model, optimizer, dataset):
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        yield tape.gradient(loss, model.trainable_variables)
""",
    # stored on an attribute for a later update
    """\
import tensorflow as tf

class Accumulator:
    def step(self, model, optimizer, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        self.last_grads = tape.gradient(loss, model.trainable_variables)
""",
    # gradient accumulation into variables that are applied later
    """\
import tensorflow as tf

def train(model, optimizer, dataset, accum_steps=4):
    accum = [tf.Variable(tf.zeros_like(v), trainable=False) for v in model.trainable_variables]
    for i, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for a, g in zip(accum, grads):
            a.assign_add(g)
        if (i + 1) % accum_steps == 0:
            optimizer.apply_gradients(zip(accum, model.trainable_variables))
""",
    # accumulation in a local list, then applied
    """\
import tensorflow as tf

def train_step(model, optimizer, batches):
    total = None
    for x, y in batches:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        if total is None:
            total = list(grads)
        else:
            total = [t + g for t, g in zip(total, grads)]
    optimizer.apply_gradients(zip(total, model.trainable_variables))
""",
    # a same-module helper that applies
    """\
import tensorflow as tf

def apply(optimizer, grads, variables):
    clipped, _ = tf.clip_by_global_norm(grads, 5.0)
    optimizer.apply_gradients(zip(clipped, variables))

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    apply(optimizer, grads, model.trainable_variables)
""",
    # a method helper (self._apply_gradients), as in TF-Agents
    """\
import tensorflow as tf

class Agent:
    def __init__(self, optimizer):
        self._optimizer = optimizer

    def _apply_gradients(self, gradients, variables, optimizer):
        optimizer.apply_gradients(list(zip(gradients, variables)))

    def train(self, network, experience):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(network(experience))
        grads = tape.gradient(loss, network.trainable_variables)
        self._apply_gradients(grads, network.trainable_variables, self._optimizer)
""",
    # an imported helper: gradlint cannot see inside, so it assumes it applies
    """\
import tensorflow as tf
from mylib.training import apply_clipped

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    apply_clipped(optimizer, grads, model.trainable_variables)
""",
    # tf.cond with a lambda that applies
    """\
import tensorflow as tf

def train_step(model, optimizer, x, y, should_update):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    tf.cond(should_update,
            lambda: optimizer.apply_gradients(zip(grads, model.trainable_variables)),
            lambda: tf.no_op())
""",
    # distributed step: all-reduced then applied; strategy.run calls the step
    """\
import tensorflow as tf

strategy = tf.distribute.MirroredStrategy()
with strategy.scope():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD()

def step_fn(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    grads = tf.distribute.get_replica_context().all_reduce("sum", grads)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

@tf.function
def distributed_step(x, y):
    strategy.run(step_fn, args=(x, y))
""",
    # mixed precision LossScaleOptimizer step
    """\
import tensorflow as tf

optimizer = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.Adam())

@tf.function
def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
        scaled_loss = optimizer.get_scaled_loss(loss)
    scaled_grads = tape.gradient(scaled_loss, model.trainable_variables)
    grads = optimizer.get_unscaled_gradients(scaled_grads)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
    # autodiff demo: the gradient of a variable is printed (no training)
    """\
import tensorflow as tf

x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 2
dy_dx = tape.gradient(y, x)
print(dy_dx.numpy())
""",
    # saliency map: gradients with respect to the input
    """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()

def saliency(model, images):
    images = tf.convert_to_tensor(images)
    for _ in range(3):
        with tf.GradientTape() as tape:
            tape.watch(images)
            score = tf.reduce_max(model(images), axis=-1)
        saliency = tf.abs(tape.gradient(score, images))
        print(tf.reduce_max(saliency))
""",
    # WGAN-GP gradient penalty: gradient with respect to interpolated inputs
    """\
import tensorflow as tf

def d_train_step(disc, d_opt, real, fake):
    alpha = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
    interp = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interp)
            pred = disc(interp)
        gp_grads = gp_tape.gradient(pred, [interp])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(gp_grads), axis=[1, 2, 3]))
        d_loss = tf.reduce_mean(disc(fake)) - tf.reduce_mean(disc(real)) + 10.0 * tf.reduce_mean((norm - 1.0) ** 2)
    d_grads = tape.gradient(d_loss, disc.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, disc.trainable_variables))
""",
    # jacobian of the outputs with respect to the weights (analysis, not training)
    """\
import tensorflow as tf

def jacobians(model, optimizer, xs):
    out = []
    for x in xs:
        with tf.GradientTape() as tape:
            y = model(x)
        j = tape.jacobian(y, model.trainable_variables)
        print([t.shape for t in j])
""",
    # unit test asserting gradient values
    """\
import tensorflow as tf

class DenseTest(tf.test.TestCase):
    def test_gradients(self):
        layer = tf.keras.layers.Dense(2)
        optimizer = tf.keras.optimizers.SGD()
        x = tf.ones((1, 3))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x))
        grads = tape.gradient(y, layer.trainable_variables)
        self.assertAllClose(grads[1], [1.0, 1.0])
""",
    # unit test expecting the second call of a non-persistent tape to raise
    """\
import tensorflow as tf

class TapeTest(tf.test.TestCase):
    def test_second_call_raises(self):
        w = tf.Variable(1.0)
        opt = tf.keras.optimizers.SGD()
        with tf.GradientTape() as tape:
            y = w * w
        tape.gradient(y, [w])
        with self.assertRaises(RuntimeError):
            tape.gradient(y, [w])
""",
    # a class called GradientTape that the file defines itself is not TensorFlow's
    """\
class GradientTape:
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def gradient(self, target, sources):
        return [0.0 for _ in sources]

optimizer = object()
for step in range(3):
    with GradientTape() as tape:
        loss = 1.0
    grads = tape.gradient(loss, model.trainable_variables)
""",
    # minimize(..., tape=tape)
    """\
import tensorflow as tf

opt = tf.keras.optimizers.SGD()
var = tf.Variable(1.0)
for _ in range(10):
    with tf.GradientTape() as tape:
        loss = var ** 2
    opt.minimize(loss, [var], tape=tape)
""",
    # clip_by_global_norm then apply the clipped gradients, norm logged
    """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    tf.print("norm", norm)
    optimizer.apply_gradients(zip(clipped, model.trainable_variables))
""",
    # applied in both branches of an if
    """\
import tensorflow as tf

def train_step(model, opt_a, opt_b, x, y, use_a):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    if use_a:
        opt_a.apply_gradients(zip(grads, model.trainable_variables))
    else:
        opt_b.apply_gradients(zip(grads, model.trainable_variables))
""",
    # inline gradient call inside apply_gradients
    """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    optimizer.apply_gradients(
        zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    )
""",
    # a nested function closing over the gradients applies them
    """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)

    def update():
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    update()
""",
    # physics-informed derivative with respect to the input, inside a training step
    """\
import tensorflow as tf

def train_step(net, optimizer, x):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            u = net(x)
        du_dx = inner.gradient(u, x)
        loss = tf.reduce_mean(tf.square(du_dx - u))
    grads = outer.gradient(loss, net.trainable_variables)
    optimizer.apply_gradients(zip(grads, net.trainable_variables))
""",
    # gradients stored in a dict on the instance
    """\
import tensorflow as tf

class Probe:
    def record(self, model, optimizer, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        for v, g in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
            self.grads[v.name] = g
""",
    # Keras train_step override that applies through self.optimizer.apply (Keras 3)
    """\
import keras
import tensorflow as tf

class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        return {"loss": loss}
""",
    # horovod-wrapped tape whose gradients are applied
    """\
import horovod.tensorflow as hvd
import tensorflow as tf

def training_step(model, opt, images, labels):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(images) - labels)
    tape = hvd.DistributedGradientTape(tape)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
""",
    # gradients passed on to a grads_and_vars list that is returned
    """\
import tensorflow as tf

def compute(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    grads_and_vars = []
    for g, v in zip(grads, model.trainable_variables):
        grads_and_vars.append((g, v))
    return grads_and_vars
""",
    # early return only in a branch: the update still runs on the other path
    """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    if tf.math.is_nan(loss):
        return loss
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
""",
    # 34 MAML: the inner gradients feed the outer tape's target (second-order)
    """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
meta_opt = tf.keras.optimizers.Adam()
for (xs, ys), (xq, yq) in tasks:
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            support_loss = tf.reduce_mean((model(xs) - ys) ** 2)
        g = inner.gradient(support_loss, model.trainable_variables)
        fast = [w - 0.01 * gi for w, gi in zip(model.trainable_variables, g)]
        query_loss = tf.reduce_mean((tf.matmul(xq, fast[0]) + fast[1] - yq) ** 2)
    meta_grads = outer.gradient(query_loss, model.trainable_variables)
    meta_opt.apply_gradients(zip(meta_grads, model.trainable_variables))
""",
    # 35 Hessian-vector product (TRPO): the inner gradient is differentiated again
    """\
import tensorflow as tf

class Agent:
    def __init__(self, model):
        self.model = model
        self.optimizer = tf.keras.optimizers.Adam()

    def hvp(self, x, v):
        params = self.model.trainable_weights
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = tf.reduce_mean(self.model(x) ** 2)
            g = inner.gradient(loss, params)
            gv = tf.add_n([tf.reduce_sum(a * b) for a, b in zip(g, v)])
        return outer.gradient(gv, params)
""",
    # 36 train_step that logs the gradient norm and lets the parent class train
    """\
import tensorflow as tf

class Monitored(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
        grads = tape.gradient(loss, self.trainable_variables)
        tf.print("grad norm", tf.linalg.global_norm(grads))
        return super().train_step(data)
""",
    # 37 a Keras callback writing gradient histograms (reads optimizer.iterations only)
    """\
import tensorflow as tf

class GradHistogram(tf.keras.callbacks.Callback):
    def __init__(self, x, y, writer):
        super().__init__()
        self.x, self.y, self.writer = x, y, writer

    def on_epoch_end(self, epoch, logs=None):
        with tf.GradientTape() as tape:
            loss = self.model.compiled_loss(self.y, self.model(self.x))
        grads = tape.gradient(loss, self.model.trainable_weights)
        with self.writer.as_default():
            for w, g in zip(self.model.trainable_weights, grads):
                tf.summary.histogram(w.name, g, step=self.model.optimizer.iterations)
""",
]

INVALID: list[Invalid] = [
    # commented-out update in a tf.function step, optimizer at module level
    Invalid.marked(
        """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam()

@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
""",
        "GL001",
    ),
    # GAN: discriminator gradients dropped
    Invalid.marked(
        """\
import tensorflow as tf

g_opt = tf.keras.optimizers.Adam()
d_opt = tf.keras.optimizers.Adam()

def train_step(generator, discriminator, real, noise):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise)
        g_loss = -tf.reduce_mean(discriminator(fake))
        d_loss = tf.reduce_mean(discriminator(fake)) - tf.reduce_mean(discriminator(real))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)  # GL001
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return g_loss, d_loss
""",
        "GL001",
    ),
    # Keras train_step override that forgets the update
    Invalid.marked(
        """\
import tensorflow as tf

class MyModel(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)  # GL001
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}
""",
        "GL001",
    ),
    # gradients only printed inside a training loop
    Invalid.marked(
        """\
import tensorflow as tf

w = tf.Variable(1.0)
b = tf.Variable(0.0)
for step in range(100):
    with tf.GradientTape() as tape:
        loss = (w * 3.0 + b - 7.0) ** 2
    dw, db = tape.gradient(loss, [w, b])  # GL001
    print(step, loss.numpy(), dw.numpy(), db.numpy())
""",
        "GL001",
    ),
    # gradients only summarised with tf.summary
    Invalid.marked(
        """\
import tensorflow as tf

def train(model, dataset, optimizer, writer):
    for step, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)  # GL001
        with writer.as_default():
            for g in grads:
                tf.summary.histogram("grad", g, step=step)
            tf.summary.scalar("loss", loss, step=step)
""",
        "GL001",
    ),
    # only the global norm is printed
    Invalid.marked(
        """\
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.mse(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    tf.print("grad norm:", tf.linalg.global_norm(grads), tf.norm(grads[0]))
    return loss
""",
        "GL001",
    ),
    # clip_by_global_norm: the norm is logged, the clipped gradients are dropped
    Invalid.marked(
        """\
import logging
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.mse(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    logging.info("norm %s", norm)
    return loss, norm
""",
        "GL001",
    ),
    # the same gradients applied twice while the other tape's are dropped
    Invalid.marked(
        """\
import tensorflow as tf

def step(actor, critic, optimizer, obs):
    with tf.GradientTape() as actor_tape, tf.GradientTape() as critic_tape:
        actor_loss = -tf.reduce_mean(critic(actor(obs)))
        critic_loss = tf.reduce_mean(tf.square(critic(actor(obs))))
    actor_grads = actor_tape.gradient(actor_loss, actor.trainable_variables)
    critic_grads = critic_tape.gradient(critic_loss, critic.trainable_variables)  # GL001
    optimizer.apply_gradients(zip(actor_grads, actor.trainable_variables))
    optimizer.apply_gradients(zip(actor_grads, actor.trainable_variables))
""",
        "GL001",
    ),
    # update after an unconditional return is dead code
    Invalid.marked(
        """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        "GL001",
    ),
    # update after raise is dead code
    Invalid.marked(
        """\
import tensorflow as tf

def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    if loss > 1e6:
        raise ValueError("diverged")
    raise NotImplementedError("TODO")
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        "GL001",
    ),
    # update after continue in a loop body
    Invalid.marked(
        """\
import tensorflow as tf

def fit(model, optimizer, dataset):
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        continue
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
""",
        "GL001",
    ),
    # from tensorflow import GradientTape as T
    Invalid.marked(
        """\
from tensorflow import GradientTape as T
from tensorflow.keras.optimizers import SGD

opt = SGD(0.1)

def step(model, x, y):
    with T() as t:
        loss = ((model(x) - y) ** 2).mean()
    g = t.gradient(loss, model.trainable_variables)  # GL001
    return loss
""",
        "GL001",
    ),
    # import tensorflow.compat.v2 as tf
    Invalid.marked(
        """\
import tensorflow.compat.v2 as tf

def train(model, data, opt):
    for x, y in data:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        print(loss)
""",
        "GL001",
    ),
    # tf.compat.v1.GradientTape
    Invalid.marked(
        """\
import tensorflow as tf

def train(model, data, opt):
    for x, y in data:
        with tf.compat.v1.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
""",
        "GL001",
    ),
    # import tensorflow (no alias)
    Invalid.marked(
        """\
import tensorflow

optimizer = tensorflow.keras.optimizers.RMSprop()

def step(model, x, y):
    with tensorflow.GradientTape() as tape:
        loss = tensorflow.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
""",
        "GL001",
    ),
    # tape assigned to a name before `with tape:`
    Invalid.marked(
        """\
import tensorflow as tf

def step(model, optimizer, x, y):
    tape = tf.GradientTape()
    with tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
""",
        "GL001",
    ),
    # persistent tape: the second gradient is dropped
    Invalid.marked(
        """\
import tensorflow as tf

def step(encoder, decoder, optimizer, x):
    with tf.GradientTape(persistent=True) as tape:
        z = encoder(x)
        recon = tf.reduce_mean(tf.square(decoder(z) - x))
        enc_loss = recon + tf.reduce_mean(tf.square(z))
    enc_grads = tape.gradient(enc_loss, encoder.trainable_variables)
    dec_grads = tape.gradient(recon, decoder.trainable_variables)  # GL001
    optimizer.apply_gradients(zip(enc_grads, encoder.trainable_variables))
    del tape
""",
        "GL001",
    ),
    # wrapped and rebound tape (Horovod)
    Invalid.marked(
        """\
import horovod.tensorflow as hvd
import tensorflow as tf

def training_step(model, opt, images, labels):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(images) - labels)
    tape = hvd.DistributedGradientTape(tape)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
""",
        "GL001",
    ),
    # sources bound to a name first
    Invalid.marked(
        """\
import tensorflow as tf

def step(model, optimizer, x, y):
    params = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, params)  # GL001
    print(len(grads), f"{grads[0]}")
""",
        "GL001",
    ),
    # gradients collected into a local list that is never applied
    Invalid.marked(
        """\
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    pairs = []
    for g, v in zip(grads, model.trainable_variables):
        pairs.append((g, v))
    return loss
""",
        "GL001",
    ),
    # comprehension over clipped gradients, never applied
    Invalid.marked(
        """\
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    grads = [tf.clip_by_norm(g, 1.0) for g in grads]
    return loss
""",
        "GL001",
    ),
    # mixed precision: unscaled gradients dropped
    Invalid.marked(
        """\
import tensorflow as tf

optimizer = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.Adam())

@tf.function
def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
        scaled_loss = optimizer.get_scaled_loss(loss)
    scaled_grads = tape.gradient(scaled_loss, model.trainable_variables)  # GL001
    grads = optimizer.get_unscaled_gradients(scaled_grads)
    return loss
""",
        "GL001",
    ),
    # a same-module helper that only logs the gradients
    Invalid.marked(
        """\
import tensorflow as tf

def log_gradients(grads, step):
    for g in grads:
        tf.print(step, tf.norm(g))

def train(model, optimizer, dataset):
    for step, (x, y) in enumerate(dataset):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)  # GL001
        log_gradients(grads, step)
""",
        "GL001",
    ),
    # the name is rebound before the first gradients are applied
    Invalid.marked(
        """\
import tensorflow as tf

def step(gen, disc, optimizer, x, z):
    with tf.GradientTape() as tape:
        d_loss = tf.reduce_mean(disc(gen(z))) - tf.reduce_mean(disc(x))
    grads = tape.gradient(d_loss, disc.trainable_variables)  # GL001
    with tf.GradientTape() as tape:
        g_loss = -tf.reduce_mean(disc(gen(z)))
    grads = tape.gradient(g_loss, gen.trainable_variables)
    optimizer.apply_gradients(zip(grads, gen.trainable_variables))
""",
        "GL001",
    ),
    # step called from a loop in the same module, manual variables, gradients only printed
    Invalid.marked(
        """\
import tensorflow as tf

W = tf.Variable(tf.zeros((3, 1)))

def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ W - y))
    dW = tape.gradient(loss, W)  # GL001
    print("loss", loss)

for i in range(10):
    step(tf.ones((4, 3)), tf.ones((4, 1)))
""",
        "GL001",
    ),
    # sources concatenated from two models, gradients only logged
    Invalid.marked(
        """\
import tensorflow as tf
from absl import logging

def step(enc, dec, opt, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(dec(enc(x)) - x))
    grads = tape.gradient(loss, enc.trainable_variables + dec.trainable_variables)  # GL001
    logging.info("grads: %s", grads)
""",
        "GL001",
    ),
    # self.optimizer attribute, gradients only used in a progress bar
    Invalid.marked(
        """\
import tensorflow as tf

class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = tf.keras.optimizers.Adam()

    def step(self, x, y, pbar):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.model(x) - y)
        grads = tape.gradient(loss, self.model.trainable_variables)  # GL001
        pbar.set_postfix(loss=float(loss), gnorm=float(tf.linalg.global_norm(grads)))
""",
        "GL001",
    ),
    # gradient computed in a module-level loop (script), nothing applied
    Invalid.marked(
        """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(0.01)
for x, y in [(tf.ones((2, 2)), tf.ones((2, 1)))] * 10:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    #opt.apply_gradients(zip(grads, model.trainable_variables))
    print(float(loss))
""",
        "GL001",
    ),
    # 29 one element of an unpacked result is dropped: b never trains
    Invalid.marked(
        """\
import tensorflow as tf

w = tf.Variable(tf.zeros([3, 1]))
b = tf.Variable(0.0)
opt = tf.keras.optimizers.SGD(0.1)
for x, y in dataset:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.matmul(x, w) + b - y) ** 2)
    dw, db = tape.gradient(loss, [w, b])  # GL001
    w.assign_sub(0.1 * dw)
""",
        "GL001",
    ),
    # 30 a train_step override that logs and never delegates to super()
    Invalid.marked(
        """\
import tensorflow as tf

class Monitored(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
        grads = tape.gradient(loss, self.trainable_variables)  # GL001
        tf.print("grad norm", tf.linalg.global_norm(grads))
        return {"loss": loss}
""",
        "GL001",
    ),
]
