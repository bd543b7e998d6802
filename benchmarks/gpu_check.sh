#!/usr/bin/env bash
# The confirmer's GPU path on a real GPU, in one go (well under 5 minutes).
#
#   benchmarks/gpu_check.sh            # with the python on PATH (or PYTHON=/path/to/python)
#
# It installs nothing: gradlint and TensorFlow must be importable by that python (for example
# `pip install -e '.[runtime]'`, or `tensorflow[and-cuda]` for NVIDIA GPUs). It runs
# `gradlint confirm --devices cpu,gpu` on
#   1. examples/frozen_loop.py                       frozen on both devices, exit 1
#   2. examples/correct_loop.py --all-sites          updated on both, exit 0
#   3. a GAN built lazily (weights created in the first trace), in graph mode and --eager:
#      generator updated, discriminator frozen, on both, exit 1
#   4. a mixed-precision loop with a loss-scale optimizer: not frozen on both, exit 0
# and checks each verdict, that the GPU child's variables live on a GPU (`device_names`) and,
# in --eager, that its gradients were computed on a GPU (`gradient_devices`).
#
# Exit status: 0 every check passed; 1 a check failed; 2 gradlint or TensorFlow missing;
# 3 no GPU is visible to TensorFlow (then the same checks run on the CPU alone, so the script
# itself is still exercised, and it says so).
set -u
cd "$(dirname "$0")/.." || exit 2
PYTHON=${PYTHON:-python3}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

if ! "$PYTHON" -c "import gradlint.runtime_check, tensorflow" >/dev/null 2>&1; then
    echo "gpu_check: $PYTHON cannot import gradlint and tensorflow; install them first" \
        "(pip install -e '.[runtime]'); this script installs nothing" >&2
    exit 2
fi

exec "$PYTHON" - "$@" <<'PY'
import json
import subprocess
import sys
import time

GAN = "tests/fixtures/confirm/gan_built_lazily.py"
PER_RUN_TIMEOUT = "55"  # seconds per device and run: 5 runs stay under 5 minutes


def gpus_visible() -> int:
    code = "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return int(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return 0


gpus = gpus_visible()
devices = ["cpu", "gpu"] if gpus else ["cpu"]
if not gpus:
    print("gpu_check: NO GPU VISIBLE to TensorFlow on this machine: the GPU checks cannot run.")
    print("gpu_check: running the same checks on the CPU alone, to exercise this script.")
else:
    print(f"gpu_check: {gpus} GPU(s) visible to TensorFlow; checking cpu and gpu")

CASES = [
    # (name, arguments, expected exit, {line: accepted verdicts})
    ("frozen example", ["examples/frozen_loop.py"], 1, {29: {"frozen"}}),
    ("correct example", ["examples/correct_loop.py", "--all-sites"], 0, {26: {"updated"}}),
    ("lazily built GAN", [GAN, "--all-sites"], 1, {23: {"updated"}, 24: {"frozen"}}),
    ("lazily built GAN, --eager", [GAN, "--all-sites", "--eager"], 1,
     {23: {"updated"}, 24: {"frozen"}}),
    ("mixed precision", ["tests/fixtures/confirm/mixed_precision.py", "--all-sites"], 0,
     {23: {"updated", "skipped-steps"}}),
]

failures = []
started = time.monotonic()
for name, args, expected_exit, expected in CASES:
    cmd = [sys.executable, "-m", "gradlint", "confirm", *args, "--format", "json",
           "--devices", ",".join(devices), "--timeout", PER_RUN_TIMEOUT]
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.monotonic() - t0
    problems = []
    if done.returncode != expected_exit:
        problems.append(f"exit {done.returncode}, expected {expected_exit}: {done.stderr[-300:]}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = {"sites": []}
        problems.append("no JSON report")
    sites = {site["line"]: site["devices"] for site in report.get("sites", [])}
    for line, verdicts in expected.items():
        for device in devices:
            result = sites.get(line, {}).get(device)
            if result is None:
                problems.append(f"line {line}: no result on {device}")
                continue
            if result["verdict"] not in verdicts:
                problems.append(
                    f"line {line} on {device}: {result['verdict']} ({result['detail']})"
                )
            if device == "gpu":
                if not result["device_names"] or not all(
                    "GPU" in d for d in result["device_names"]
                ):
                    problems.append(f"line {line}: gpu variables on {result['device_names']}")
                if "--eager" in args and not any(
                    "GPU" in d for d in result["gradient_devices"]
                ):
                    problems.append(f"line {line}: gpu gradients on {result['gradient_devices']}")
    status = "ok  " if not problems else "FAIL"
    print(f"{status} {name:<28} {took:5.1f}s  " + "  ".join(
        f"{line}:{'/'.join(sites.get(line, {}).get(d, {}).get('verdict', '?') for d in devices)}"
        for line in expected
    ))
    for problem in problems:
        print(f"       {problem}")
    failures += problems

print(f"gpu_check: {len(CASES)} runs in {time.monotonic() - started:.0f}s on {','.join(devices)}")
if failures:
    print(f"gpu_check: {len(failures)} check(s) FAILED")
    sys.exit(1)
if not gpus:
    print("gpu_check: NO GPU VISIBLE: the CPU checks passed; nothing was checked on a GPU")
    sys.exit(3)
print("gpu_check: every check passed on cpu and gpu")
PY
