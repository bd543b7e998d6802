"""Writes the synthetic benchmark tree: N files of ordinary Python, a few of them training code.

About 200 lines per file (5,000 files make about 1M lines); ``--training-share`` of the files
(2% by default) hold a custom training loop, half of them frozen (the update is commented
out), half correct. ``--framework`` picks whose loop: TensorFlow's (``tape.gradient`` and
``apply_gradients``) or PyTorch's (``loss.backward()`` and ``optimizer.step()``), in trees of
the same shape (same filler, same seed), so that their cost per file compares side by side.
Deterministic for a given seed, so runs are comparable.

``--project`` makes the tree one project (a ``pyproject.toml`` at its root, packages with
``__init__.py``) whose training code crosses modules, as layered code does, so that the
project model has work to do: half of the training files pass their gradients to helpers
imported from the project's ``common/grad_utils.py`` (one returns them clipped, one only logs
them), the other half compute them in a function that returns them to a training loop in the
next module of the package (``loss, grads = compute_gradients_N(x, y)``), which applies them,
or, in the frozen half, has the ``apply_gradients`` line commented out. TensorFlow only.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HEADER = '"""Generated module {index}."""\n\nimport math\nimport os\n\n'

FUNCTION = '''

def {name}(values, scale={scale}):
    """Return a scaled sum; generated filler code."""
    total = 0
    for value in values:
        if value > {limit}:
            total += math.sqrt(value) * scale
        else:
            total -= value
    result = [v * scale for v in values if v]
    return total + sum(result) + len(os.sep)
'''

CLASS = '''

class {name}:
    """Generated filler class."""

    def __init__(self, size={size}):
        self.size = size
        self.items = []

    def add(self, item):
        if len(self.items) < self.size:
            self.items.append(item)
        return self

    def total(self):
        return sum(self.items)

    def describe(self):
        return f"{{type(self).__name__}}({{self.size}}, {{len(self.items)}})"
'''

TRAINING = """

import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)
loss_fn = tf.keras.losses.MeanSquaredError()


@tf.function
def train_step_{index}(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    {update}optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def fit_{index}(dataset, epochs=2):
    for _ in range(epochs):
        for x, y in dataset:
            train_step_{index}(x, y)
"""

TORCH_TRAINING = """

import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.MSELoss()


def train_step_{index}(x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    {update}optimizer.step()
    return loss


def fit_{index}(loader, epochs=2):
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            train_step_{index}(x, y)
"""

#: ``--project``: a training step whose gradients go through the project's own helpers.
HELPER_TRAINING = """

import tensorflow as tf

from common.grad_utils import clip_gradients, log_gradients

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)
loss_fn = tf.keras.losses.MeanSquaredError()


@tf.function
def train_step_{index}(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    grads = clip_gradients(grads, 1.0)
    log_gradients(grads, optimizer.iterations)
    {update}optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""

#: ``--project``: gradients returned to a caller in another module (the next one).
RETURNING_TRAINING = """

import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
loss_fn = tf.keras.losses.MeanSquaredError()


def compute_gradients_{index}(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    return loss, tape.gradient(loss, model.trainable_variables)
"""

#: ``--project``: the loop (in the module after the one above) that gets those gradients.
CALLER = """

import tensorflow as tf

from {package}.mod{index:05d} import compute_gradients_{index}, model

optimizer = tf.keras.optimizers.SGD(0.1)


def fit_{index}(dataset, epochs=2):
    for _ in range(epochs):
        for x, y in dataset:
            loss, grads = compute_gradients_{index}(x, y)
            {update}optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

#: ``--project``: ``common/grad_utils.py``, the helpers the training steps import.
GRAD_UTILS = '''"""Gradient helpers of the generated project."""

import tensorflow as tf


def clip_gradients(grads, norm):
    """Clip each gradient to ``norm``; returns the clipped list."""
    return [tf.clip_by_norm(g, norm) if g is not None else None for g in grads]


def log_gradients(grads, step):
    """Write a histogram per gradient; only reads them."""
    for i, g in enumerate(grads):
        tf.summary.histogram(f"grad_{i}", g, step=step)


def global_norm(grads):
    return tf.linalg.global_norm([g for g in grads if g is not None])
'''

#: ``--framework`` -> the training loop its files hold.
LOOPS = {"tensorflow": TRAINING, "torch": TORCH_TRAINING}


def module(
    index: int,
    rng: random.Random,
    training: bool,
    frozen: bool = False,
    framework: str = "tensorflow",
    loop: str | None = None,
    tail: str = "",
) -> str:
    """One module of about 200 lines; ``loop`` (a template with ``{index}`` and ``{update}``)
    replaces the framework's training loop, and ``tail`` is appended as is."""
    parts = [HEADER.format(index=index)]
    while sum(p.count("\n") for p in parts) < 190:
        if rng.random() < 0.6:
            parts.append(
                FUNCTION.format(
                    name=f"f{index}_{len(parts)}", scale=rng.randint(1, 9), limit=rng.randint(0, 99)
                )
            )
        else:
            parts.append(CLASS.format(name=f"C{index}_{len(parts)}", size=rng.randint(1, 50)))
    if training:
        update = "# " if frozen else ""
        template = LOOPS[framework] if loop is None else loop
        parts.insert(len(parts) // 2, template.format(index=index, update=update))
    return "".join(parts) + tail


def generate(
    root: Path,
    files: int = 5000,
    training_share: float = 0.02,
    seed: int = 0,
    framework: str = "tensorflow",
    project: bool = False,
) -> int:
    """Writes the tree under ``root``; returns the number of lines written (``project``:
    see the module's docstring; its extra files are not counted in ``files``)."""
    if project and framework != "tensorflow":
        raise ValueError("--project trees are TensorFlow code")
    rng = random.Random(seed)
    every = max(1, round(1 / training_share)) if training_share > 0 else 0
    lines = 0
    if project:
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text('[project]\nname = "generated"\n')
        (root / "common").mkdir(exist_ok=True)
        (root / "common" / "__init__.py").write_text("")
        (root / "common" / "grad_utils.py").write_text(GRAD_UTILS)
    #: The caller that goes at the end of the next module (``--project``), by its index.
    callers: dict[int, str] = {}
    for index in range(files):
        package = f"pkg{index // 100:03d}"
        folder = root / package
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            if project:
                (folder / "__init__.py").write_text("")
        training = bool(every) and index % every == every // 2
        frozen = training and (index // every) % 2 == 0
        loop = None
        if training and project:
            # Alternate the two shapes, each with frozen and correct loops.
            if (index // every) % 4 < 2:
                loop = HELPER_TRAINING
            else:
                loop = RETURNING_TRAINING
                # The caller lives in the next module of the same package (or, at a
                # package's end, is appended to this module's own package's first one).
                after = index + 1
                if after >= files or after // 100 != index // 100:
                    after = index - index % 100
                update = "# " if frozen else ""
                callers[after] = CALLER.format(package=package, index=index, update=update)
        text = module(index, rng, training, frozen, framework, loop, callers.pop(index, ""))
        (folder / f"mod{index:05d}.py").write_text(text)
        lines += text.count("\n")
    for after, tail in callers.items():  # a caller for a module written before its callee
        path = root / f"pkg{after // 100:03d}" / f"mod{after:05d}.py"
        path.write_text(path.read_text() + tail)
        lines += tail.count("\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--training-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--framework", choices=sorted(LOOPS), default="tensorflow")
    parser.add_argument(
        "--project", action="store_true", help="one project whose training code crosses modules"
    )
    args = parser.parse_args()
    lines = generate(
        args.root, args.files, args.training_share, args.seed, args.framework, args.project
    )
    print(f"{args.files} files, {lines} lines under {args.root}")


if __name__ == "__main__":
    main()
