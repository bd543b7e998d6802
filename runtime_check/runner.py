"""The parent side: one probe child per device, run concurrently, killed with its whole
process group at the timeout, so nothing the script started is left behind (the probe runs
under :mod:`gradlint.runtime_check.supervise`, which also catches what leaves the group and
cleans up when this process is killed).

Each child gets its own session (``start_new_session``), which makes its pid the id of a
process group holding the script and anything it spawned. The group is killed after the child
exits, too, and before the child is reaped, so the group id cannot have been reused.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.runtime_check.options import DEFAULT_TIMEOUT
from gradlint.runtime_check.verdicts import RAISED, TIMEOUT, Outcome, SiteFacts

_POLL = 0.05


class ConfirmError(Exception):
    """A problem that stops the confirmer as a whole (exit 2); the message is one line."""


@dataclass
class RunRequest:
    script: Path  # absolute
    notebook: bool = False
    steps: int = 5
    lines: list[int] | None = None  # None: every site
    eager: bool = False
    seed: bool = True
    timeout: float = DEFAULT_TIMEOUT
    show_output: bool = False
    script_args: list[str] = field(default_factory=list)
    framework: str = "tensorflow"  # or "torch"


@dataclass
class DeviceRun:
    device: str
    outcome: Outcome
    sites: list[SiteFacts] = field(default_factory=list)
    elapsed: float = 0.0


ProgressCallback = Callable[[str, int], None]


def run_devices(
    request: RunRequest, devices: list[str], progress: ProgressCallback | None = None
) -> dict[str, DeviceRun]:
    """Run one child per device at the same time; raises :class:`ConfirmError`."""
    results: dict[str, DeviceRun | BaseException] = {}
    children: dict[str, _Child] = {}

    def work(device: str) -> None:
        try:
            results[device] = children[device].run()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            results[device] = exc

    for device in devices:
        children[device] = _Child(request, device, progress)
    threads = [threading.Thread(target=work, args=(d,), daemon=True) for d in devices]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except KeyboardInterrupt:
        for child in children.values():
            child.kill()
        raise
    runs: dict[str, DeviceRun] = {}
    for device in devices:
        result = results[device]
        if isinstance(result, BaseException):
            raise result
        runs[device] = result
    return runs


class _Child:
    def __init__(self, request: RunRequest, device: str, progress: ProgressCallback | None) -> None:
        self.request = request
        self.device = device
        self.progress = progress
        self.proc: subprocess.Popen | None = None
        self.events: list[dict] = []
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.steps: dict[int, int] = {}
        self.started = 0.0
        self.result_at: float | None = None  # when the child's report arrived
        self.grace = 0.0

    def command(self, fd: int, deadline_at: float) -> list[str]:
        request = self.request
        cmd = [
            sys.executable,
            "-m",
            "gradlint.runtime_check.supervise",
            str(self.lifeline),
            "--",
            sys.executable,
            "-m",
            "gradlint.runtime_check.probe",
            "--script",
            str(request.script),
            "--device",
            self.device,
            "--steps",
            str(request.steps),
            "--result-fd",
            str(fd),
            "--deadline-at",
            f"{deadline_at:.3f}",
        ]
        if request.framework != "tensorflow":
            cmd += ["--framework", request.framework]
        if request.notebook:
            cmd.append("--notebook")
        if request.lines is None:
            cmd.append("--all-sites")
        else:
            for line in request.lines:
                cmd += ["--line", str(line)]
        if request.eager:
            cmd.append("--eager")
        if not request.seed:
            cmd.append("--no-seed")
        return [*cmd, "--", *request.script_args]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if self.device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = "-1"
        else:
            # Memory growth without touching the GPU runtime before the script picks its GPU.
            env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        return env

    def run(self) -> DeviceRun:
        request = self.request
        started = self.started = time.monotonic()
        # The child reports a little before the hard limit, so a slow script still gets a
        # verdict for the steps it ran; the hard limit is for a child that cannot report.
        grace = self.grace = min(10.0, max(1.0, request.timeout * 0.15))
        deadline_at = time.time() + request.timeout - grace
        read_fd, write_fd = os.pipe()
        # The supervisor (see runtime_check.supervise) holds the read end of the lifeline,
        # this process the only write end: however this process ends, it sees the pipe
        # close and kills all the script started.
        self.lifeline, lifeline_write = os.pipe()
        output = None if request.show_output else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                self.command(write_fd, deadline_at),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=None if request.show_output else subprocess.PIPE,
                pass_fds=(write_fd, self.lifeline),
                start_new_session=True,
                env=self.environment(),
            )
        except OSError as exc:
            os.close(read_fd)
            os.close(lifeline_write)
            raise ConfirmError(f"cannot start {sys.executable}: {exc.strerror or exc}") from exc
        finally:
            os.close(write_fd)
            os.close(self.lifeline)
        self._lifeline_write = lifeline_write
        readers = [threading.Thread(target=self._read_events, args=(read_fd,), daemon=True)]
        if self.proc.stderr is not None:
            readers.append(threading.Thread(target=self._read_stderr, daemon=True))
        for reader in readers:
            reader.start()
        timed_out = not self._wait_unreaped(started + request.timeout)
        self.kill()
        self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self._lifeline_write)
        for reader in readers:
            reader.join(5)
        return self._device_run(timed_out, time.monotonic() - started)

    def _wait_unreaped(self, deadline: float) -> bool:
        """Wait for the child to exit without reaping it; False at the deadline."""
        assert self.proc is not None
        while time.monotonic() < deadline:
            try:
                info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return True
            if info is not None:
                return True
            time.sleep(_POLL)
        return False

    def kill(self) -> None:
        """Kill the script and everything it started: the supervisor, asked with SIGTERM,
        also finds what left the process group; then the group is killed."""
        if self.proc is None:
            return
        if self.proc.returncode is None and not self._exited():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.proc.pid, signal.SIGTERM)
            self._wait_unreaped(time.monotonic() + 6)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def _exited(self) -> bool:
        assert self.proc is not None
        try:
            return (
                os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
            )
        except ChildProcessError:
            return True

    def _read_events(self, fd: int) -> None:
        with os.fdopen(fd, encoding="utf-8", errors="replace") as stream:
            for line in stream:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(event, dict):
                    continue
                if event.get("event") == "progress":
                    line_no, steps = event.get("line"), event.get("steps")
                    if isinstance(line_no, int) and isinstance(steps, int):
                        self.steps[line_no] = max(steps, self.steps.get(line_no, 0))
                        if self.progress is not None:
                            self.progress(self.device, min(self.steps.values()))
                else:
                    if event.get("event") == "result" and self.result_at is None:
                        self.result_at = time.monotonic()
                    self.events.append(event)

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip()
            if text:
                self.stderr_tail.append(text)

    def _device_run(self, timed_out: bool, elapsed: float) -> DeviceRun:
        for event in self.events:
            if event.get("event") == "fatal":
                missing = event.get("framework_missing")
                if missing in FRAMEWORKS:
                    raise ConfirmError(missing_framework_message(missing))
                raise ConfirmError(str(event.get("message", "the probe failed")))
        result = next((e for e in self.events if e.get("event") == "result"), None)
        if result is not None:
            outcome = Outcome(
                kind=str(result.get("outcome", RAISED)),
                message=str(result.get("message", "")),
                where=str(result.get("where", "")),
            )
            if result.get("system_exit"):
                outcome.message += (
                    f" (its last output: {self.stderr_tail[-1]})"
                    if self.stderr_tail
                    else " (--show-output shows its output)"
                )
            if outcome.kind == TIMEOUT:
                outcome.message = self._timeout_message(result.get("script_seconds"))
            sites = [SiteFacts.from_dict(s) for s in result.get("sites", []) if isinstance(s, dict)]
            return DeviceRun(self.device, outcome, sites, elapsed)
        if timed_out:
            ran = ""
            if self.steps:
                ran = f" (the site had run {max(self.steps.values())} step(s))"
            outcome = Outcome(
                TIMEOUT, f"timed out: killed at the {self.request.timeout:g}s limit{ran}"
            )
            return DeviceRun(self.device, outcome, [], elapsed)
        assert self.proc is not None
        code = self.proc.returncode
        how = f"was killed by signal {-code}" if code and code < 0 else f"exited with status {code}"
        last = f": {self.stderr_tail[-1]}" if self.stderr_tail else ""
        return DeviceRun(
            self.device,
            Outcome(RAISED, f"the probe process {how} without a report{last}"),
            [],
            elapsed,
        )

    def _timeout_message(self, script_seconds: object) -> str:
        """The time the script really had: the child reports ``grace`` seconds before the
        limit, and importing TensorFlow comes out of the limit too."""
        elapsed = (self.result_at or time.monotonic()) - self.started
        text = f"timed out after {elapsed:.0f}s"
        if isinstance(script_seconds, (int, float)) and script_seconds > 0:
            text += f", {script_seconds:.0f}s of them running the script"
        return (
            f"{text} (--timeout {self.request.timeout:g}s; the last {self.grace:g}s are kept "
            "for the report)"
        )


#: The frameworks the confirmer can run (their module names), with the name users know and
#: the extra that installs them.
FRAMEWORKS = {"tensorflow": ("TensorFlow", "tensorflow"), "torch": ("PyTorch", "torch")}


def missing_framework_message(framework: str = "tensorflow") -> str:
    name, extra = FRAMEWORKS[framework]
    return (
        f"{name} is not installed for this Python; the confirmer needs it: "
        f"pip install 'gradlint-ml[{extra}]'"
    )


def missing_tensorflow_message() -> str:
    return missing_framework_message("tensorflow")


def framework_available(framework: str = "tensorflow") -> bool:
    """Whether the framework can be found, without importing it (that takes seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec(framework) is not None
    except (ImportError, ValueError):
        return False


def tensorflow_available() -> bool:
    return framework_available("tensorflow")
