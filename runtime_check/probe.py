"""The child process: ``python -m gradlint.runtime_check.probe [OPTIONS] -- SCRIPT_ARGS...``.

It imports TensorFlow (or PyTorch, with ``--framework torch``), installs the hooks of
:mod:`gradlint.runtime_check.instrument` (:mod:`~gradlint.runtime_check.torch_instrument`), runs the
user's script as ``__main__`` (in the user's working directory, with ``sys.argv`` as the script
expects) and reports what it saw as JSON lines on a file descriptor of its own, so that the
script's stdout and stderr stay the user's.

Events: ``{"event": "progress", "line", "steps"}`` while running, then exactly one
``{"event": "result", "outcome", "message", "where", "sites": [facts...]}`` or
``{"event": "fatal", "message"}`` when the probe itself cannot run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
import traceback
import types


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gradlint.runtime_check.probe")
    parser.add_argument("--script", required=True, help="absolute path of the script")
    parser.add_argument("--notebook", action="store_true", help="SCRIPT is a .ipynb file")
    parser.add_argument("--device", choices=("cpu", "gpu"), required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--line", type=int, action="append", default=[])
    parser.add_argument("--all-sites", action="store_true")
    parser.add_argument("--eager", action="store_true")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--framework", choices=("tensorflow", "torch"), default="tensorflow")
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument(
        "--deadline-at",
        type=float,
        default=None,
        help="time (seconds since the epoch) at which the probe reports what it has and exits",
    )
    parser.add_argument("script_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.script_args[:1] == ["--"]:
        args.script_args = args.script_args[1:]
    return args


class Channel:
    """JSON lines to the parent; thread-safe, since the watchdog may report too."""

    def __init__(self, fd: int) -> None:
        os.set_inheritable(fd, False)  # the script's own subprocesses must not hold it open
        self.stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        self.lock = threading.Lock()
        self.closed = False

    def send(self, event: dict) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                self.stream.write(json.dumps(event) + "\n")
            except (OSError, ValueError):
                self.closed = True  # the parent went away; keep the script's behaviour

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(OSError):
                    self.stream.close()


def load_code(args: argparse.Namespace):
    """Compile the script with its absolute path as filename: that is how sites are found."""
    with open(args.script, "rb") as handle:
        raw = handle.read()
    if args.notebook:
        from gradlint.analyzer.notebooks import load_notebook
        from gradlint.analyzer.sources import SourceError

        unit = load_notebook(raw, args.script)
        if isinstance(unit, SourceError):
            raise ValueError(unit.message)
        raw = unit.text
    return compile(raw, args.script, "exec", dont_inherit=True)


def error_outcome(exc: BaseException, script: str) -> dict:
    """Type, message and the innermost frame of the user's script."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    # TensorFlow wraps errors raised while tracing as "in user code:", then the frames, then
    # the original "Type: message" last.
    message = lines[-1] if lines and lines[0].endswith(":") else (lines[0] if lines else "")
    name = type(exc).__name__
    message = message.removeprefix(f"{name}: ")
    text = name + (f": {message[:300]}" if message else "")
    where = ""
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == script:
            where = f"line {line} in {frame.f_code.co_name}"
    return {"outcome": "raised", "message": text, "where": where}


NO_GPU = "no GPU visible to TensorFlow"


def choose_devices(tf, device: str) -> str | None:
    """Set the child up for its device before the script runs; the reason when it is absent.

    The CPU child hides every GPU through TensorFlow itself, so that a script which sets
    ``CUDA_VISIBLE_DEVICES`` at its top cannot bring one back (the GPU runtime reads the
    variable once, here, and the visible-device list is fixed before the script runs).

    The GPU child must leave the choice of GPU to the script (``CUDA_VISIBLE_DEVICES`` or
    ``tf.config.set_visible_devices`` at its top only work while the GPU runtime is not
    initialized), so it does not list the GPUs here: it only rules out a machine that cannot
    have one (a TensorFlow without GPU support, no GPU driver device), and the first site
    checks again (:class:`~gradlint.runtime_check.instrument.NoGPU`). Memory growth comes
    from ``TF_FORCE_GPU_ALLOW_GROWTH``, which the parent sets for this child.
    """
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        with contextlib.suppress(RuntimeError, ValueError):
            tf.config.set_visible_devices([], "GPU")
        return None
    try:
        gpu_support = tf.test.is_built_with_gpu_support()
    except Exception:  # noqa: BLE001 - a TensorFlow without the test module
        gpu_support = True
    if not gpu_support:
        return f"{NO_GPU} (this TensorFlow is built without GPU support)"
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return f"{NO_GPU} (CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']!r})"
    if not any(os.path.exists(node) for node in GPU_DEVICE_NODES):
        return f"{NO_GPU} (no GPU driver found)"
    return None


#: A GPU that TensorFlow can use shows one of these (NVIDIA's driver; ROCm's kernel driver).
GPU_DEVICE_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd")


def _fatal_import(channel: Channel, framework: str, exc: BaseException) -> None:
    name = "PyTorch" if framework == "torch" else "TensorFlow"
    if isinstance(exc, ImportError):
        event = {"framework_missing": framework, "message": f"{name} cannot be imported ({exc})"}
    else:  # a broken installation
        event = {"message": f"{name} failed to import: {type(exc).__name__}: {exc}"}
    channel.send({"event": "fatal", **event})


def _tensorflow_probe(args: argparse.Namespace, channel: Channel):
    """``(probe, StopProbe, NoGPU, prepare)`` for TensorFlow, or None when it cannot run."""
    try:
        import tensorflow as tf
    except Exception as exc:  # noqa: BLE001 - ImportError or a broken installation
        _fatal_import(channel, "tensorflow", exc)
        return None
    absent = choose_devices(tf, args.device)
    if absent:
        channel.send({"event": "result", "outcome": "unavailable", "message": absent, "sites": []})
        return None

    from gradlint.runtime_check.instrument import NoGPU, Probe, StopProbe

    probe = Probe(
        args.script,
        args.steps,
        None if args.all_sites else args.line,
        channel.send,
        require_gpu=args.device == "gpu",
    )

    def prepare() -> None:
        if not args.no_seed:
            tf.keras.utils.set_random_seed(0)
        if args.eager:
            tf.config.run_functions_eagerly(True)

    return probe, StopProbe, NoGPU, prepare


def _torch_probe(args: argparse.Namespace, channel: Channel):
    """``(probe, StopProbe, NoGPU, prepare)`` for PyTorch, or None when it cannot run."""
    from gradlint.runtime_check import torch_devices

    if args.device == "cpu":
        torch_devices.hide_cuda_before_import()
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - ImportError or a broken installation
        _fatal_import(channel, "torch", exc)
        return None
    absent = torch_devices.choose_devices(torch, args.device)
    if absent:
        channel.send({"event": "result", "outcome": "unavailable", "message": absent, "sites": []})
        return None

    from gradlint.runtime_check.torch_instrument import NoGPU, StopProbe, TorchProbe

    probe = TorchProbe(
        args.script,
        args.steps,
        None if args.all_sites else args.line,
        channel.send,
        require_gpu=args.device == "gpu",
    )

    def prepare() -> None:
        if not args.no_seed:
            torch_devices.seed_everything(torch)
        if args.eager:
            torch_devices.disable_compile(torch)

    return probe, StopProbe, NoGPU, prepare


def run(args: argparse.Namespace, channel: Channel) -> None:
    try:
        code = load_code(args)
    except (OSError, SyntaxError, ValueError) as exc:
        channel.send({"event": "fatal", "message": f"cannot run {args.script}: {exc}"})
        return
    setup = (_torch_probe if args.framework == "torch" else _tensorflow_probe)(args, channel)
    if setup is None:
        return
    probe, StopProbe, NoGPU, prepare = setup  # noqa: N806 - exception classes
    probe.install()
    report_lock = threading.Lock()
    reported = []

    def report(outcome: dict) -> None:
        with report_lock:
            if reported:
                return
            reported.append(True)
            try:
                sites = probe.finish()
            except Exception as exc:  # noqa: BLE001 - report the outcome even so
                sites = []
                outcome = {**outcome, "message": f"{outcome.get('message', '')} (probe: {exc})"}
            channel.send({"event": "result", "sites": sites, **outcome})

    script_started: list[float] = []

    if args.deadline_at:

        def on_deadline() -> None:
            ran = time.monotonic() - script_started[0] if script_started else 0.0
            report({"outcome": "timeout", "message": "timed out", "script_seconds": ran})
            _flush_and_exit()

        timer = threading.Timer(max(0.0, args.deadline_at - time.time()), on_deadline)
        timer.daemon = True
        timer.start()

    prepare()

    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=args.script, __builtins__=__builtins__, __cached__=None)
    sys.modules["__main__"] = main
    sys.argv = [args.script, *args.script_args]
    sys.path[0] = os.path.dirname(args.script)
    script_started.append(time.monotonic())
    try:
        exec(code, main.__dict__)
        outcome = {"outcome": "finished"}
    except StopProbe:
        outcome = {"outcome": "stopped"}
    except NoGPU:
        absent = "no CUDA device visible to PyTorch" if args.framework == "torch" else NO_GPU
        outcome = {"outcome": "unavailable", "message": f"{absent} when the script reached a site"}
    except SystemExit as exc:
        if exc.code in (None, 0):
            outcome = {"outcome": "finished"}
        else:
            outcome = {
                "outcome": "raised",
                "message": f"SystemExit: {exc.code}",
                "where": "",
                "system_exit": True,
            }
    except BaseException as exc:  # noqa: BLE001 - the user's error is the evidence
        outcome = error_outcome(exc, args.script)
    report(outcome)


def _flush_and_exit() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    # os._exit: the script's non-daemon threads or TensorFlow's teardown must not keep the
    # child alive after the verdict is in.
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    channel = Channel(args.result_fd)
    try:
        run(args, channel)
    finally:
        channel.close()
        _flush_and_exit()


if __name__ == "__main__":
    main()
