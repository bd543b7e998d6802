"""The runtime confirmer's overhead, as ratios measured in one run.

1. ``gradlint confirm examples/frozen_loop.py --devices cpu --steps 8 -- --epochs 1`` against
   running the script itself the same way (``--epochs 1``: 8 steps, 256 samples in batches of
   32). Target: at most 1.5x. The site is frozen, so the confirmer keeps observing after its
   8 steps (in case of an update every few steps) until the script ends.
2. ``--devices cpu,gpu`` against ``--devices cpu``: the children run concurrently, so the
   second device adds its start-up, not a second run (on a machine without a GPU the GPU child
   imports TensorFlow and reports ``unavailable``).

Usage: ``python benchmarks/confirm_overhead.py [--repeat 3] [--check]``; ``--check`` exits 1
when the first ratio is above 1.5. Each row is the median wall time of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "frozen_loop.py"
STEPS = 8  # one epoch of the example
TARGET = 1.5


def wall(cmd: list[str], expect: tuple[int, ...]) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in expect:
        sys.exit(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def median(cmd: list[str], expect: tuple[int, ...], repeat: int) -> float:
    return statistics.median(wall(cmd, expect) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET}x")
    args = parser.parse_args()
    python = sys.executable
    confirm = [
        python,
        "-m",
        "gradlint",
        "confirm",
        str(SCRIPT.relative_to(ROOT)),
        "--steps",
        str(STEPS),
    ]
    script_args = ["--", "--epochs", "1"]
    plain = median([python, str(SCRIPT), "--epochs", "1"], (0,), args.repeat)
    cpu = median([*confirm, "--devices", "cpu", *script_args], (1,), args.repeat)
    both = median([*confirm, "--devices", "cpu,gpu", *script_args], (1,), args.repeat)
    ratio = cpu / plain
    print(f"{'run':<44} {'wall (s)':>9}")
    print(f"{'python frozen_loop.py --epochs 1 (8 steps)':<44} {plain:>9.2f}")
    print(f"{'gradlint confirm --devices cpu --steps 8':<44} {cpu:>9.2f}")
    print(f"{'gradlint confirm --devices cpu,gpu --steps 8':<44} {both:>9.2f}")
    print(f"confirm / script: {ratio:.2f}x (target <= {TARGET}x)")
    print(f"cpu,gpu / cpu:    {both / cpu:.2f}x (children run concurrently; 2.0x would be serial)")
    if args.check and ratio > TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
