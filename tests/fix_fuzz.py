"""A small fuzzer of ``--fix``: fixable steps, mutated, fixed twice; the second fix must
change nothing. ``python tests/fix_fuzz.py N`` runs N cases (the suite runs a few)."""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from gradlint.analyzer.sources import SourceUnit
from gradlint.api import enabled_codes
from gradlint.engine import analyze_unit
from gradlint.fixing import _plan
from gradlint.settings import Settings

_STEP = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam()


def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
{update}
    return loss
"""

_UPDATES = [
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))",
    "    #optimizer.apply_gradients(zip(grads, model.trainable_variables))",
    "    #  optimizer.apply_gradients(zip(grads, model.trainable_variables))  # later",
    "    # optimizer.apply_gradients(\n    #     zip(grads, model.trainable_variables)\n    # )",
    "    optimizer.apply_gradients(zip(model.trainable_variables, grads))",
    "    optimizer.apply_gradients(zip(model.trainable_variables, grads))  # swapped",
    "    # optimizer.apply_gradients(zip(model.trainable_variables, grads))",
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))",
    "    if True:\n        # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    "        pass",
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables)); x = 1",
]


def mutant(rng: random.Random) -> str:
    update = "\n".join(rng.sample(_UPDATES, rng.randint(1, 3)))
    text = _STEP.format(update=update)
    if rng.random() < 0.3:
        text = text.replace("    ", "\t")
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.3:
        text = text.replace("grads", rng.choice(["g", "gradients", "grads_"]))
    if rng.random() < 0.2:
        text = text.rstrip("\n")
    return text


def fix_once(path: Path, settings: Settings) -> bytes:
    """What one ``--fix`` run makes of the file (planned as the command plans it)."""
    raw = path.read_bytes()
    unit = SourceUnit(str(path), raw.decode("utf-8"))
    found = [f for f in analyze_unit(unit, enabled_codes(settings)) if f.fix is not None]
    plan = _plan(str(path), found, settings)
    return raw if plan is None else plan.new_raw


def not_idempotent(cases: int, seed: int = 0) -> list[str]:
    """The mutants whose fixed text a second fix still changes."""
    rng = random.Random(seed)
    failures = []
    settings = Settings(use_cache=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "step.py"
        for _ in range(cases):
            text = mutant(rng)
            path.write_bytes(text.encode("utf-8"))
            once = fix_once(path, settings)
            path.write_bytes(once)
            if fix_once(path, settings) != once:
                failures.append(text)
    return failures


if __name__ == "__main__":
    bad = not_idempotent(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
    for text in bad[:3]:
        print(repr(text))
    print(f"{len(bad)} not idempotent")
    sys.exit(1 if bad else 0)
