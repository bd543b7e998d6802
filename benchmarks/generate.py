"""Writes the synthetic benchmark tree: N files of ordinary Python, a few of them training code.

About 200 lines per file (5,000 files make about 1M lines); ``--training-share`` of the files
(2% by default) hold a custom training loop, half of them frozen (the update is commented
out), half correct. ``--framework`` picks whose loop: TensorFlow's (``tape.gradient`` and
``apply_gradients``) or PyTorch's (``loss.backward()`` and ``optimizer.step()``), in trees of
the same shape (same filler, same seed), so that their cost per file compares side by side.
Deterministic for a given seed, so runs are comparable.
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

#: ``--framework`` -> the training loop its files hold.
LOOPS = {"tensorflow": TRAINING, "torch": TORCH_TRAINING}


def module(
    index: int,
    rng: random.Random,
    training: bool,
    frozen: bool = False,
    framework: str = "tensorflow",
) -> str:
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
        parts.insert(len(parts) // 2, LOOPS[framework].format(index=index, update=update))
    return "".join(parts)


def generate(
    root: Path,
    files: int = 5000,
    training_share: float = 0.02,
    seed: int = 0,
    framework: str = "tensorflow",
) -> int:
    """Writes the tree under ``root``; returns the number of lines written."""
    rng = random.Random(seed)
    every = max(1, round(1 / training_share)) if training_share > 0 else 0
    lines = 0
    for index in range(files):
        folder = root / f"pkg{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        training = bool(every) and index % every == every // 2
        frozen = training and (index // every) % 2 == 0
        text = module(index, rng, training, frozen, framework)
        (folder / f"mod{index:05d}.py").write_text(text)
        lines += text.count("\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--training-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--framework", choices=sorted(LOOPS), default="tensorflow")
    args = parser.parse_args()
    lines = generate(args.root, args.files, args.training_share, args.seed, args.framework)
    print(f"{args.files} files, {lines} lines under {args.root}")


if __name__ == "__main__":
    main()
