"""The confirmer's child: runs the probe and, however the run ends, kills all it started.

A process group is not enough: a script can start a daemon in a session of its own
(``setsid``), and when ``gradlint confirm`` itself is killed (SIGTERM, SIGKILL) nobody is
left to kill the group. So the parent starts this small supervisor instead of the probe:

- it makes itself a *child subreaper* (Linux): every process the script starts, however
  deeply and in whatever session, becomes its child when its own parent ends, so it can
  be found and killed;
- it holds the read end of a *lifeline* pipe whose only write end is the parent's: the
  parent ending in any way (even SIGKILL) closes it, and the supervisor then kills
  everything and exits; SIGTERM (from the parent's timeout) does the same;
- the probe gets a parent-death signal, so it never outlives the supervisor.

When the probe exits, the supervisor kills its remaining descendants (repeatedly, since
killing one hands its children over) and exits with the probe's status.

Limits: what leaves the supervisor's reach survives: a process that kills the supervisor
first (it runs as the same user), one that changes user (setuid) or PID namespace, or one
started through another service (``systemd-run``, ``at``, a container runtime). Elsewhere
than Linux there is no subreaper: only the process group is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
#: How long the sweep keeps finding and killing descendants before it gives up.
_SWEEP_SECONDS = 5.0


def main(argv: list[str]) -> None:
    lifeline = int(argv[1])
    command = argv[3:] if argv[2] == "--" else argv[2:]
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: _sweep_and_exit(128 + signal.SIGTERM))
    watcher = threading.Thread(target=_watch_lifeline, args=(lifeline, done), daemon=True)
    watcher.start()
    try:
        probe = subprocess.Popen(command, close_fds=False, preexec_fn=_die_with_parent)
    except OSError as exc:
        sys.stderr.write(f"gradlint: cannot start the probe: {exc.strerror or exc}\n")
        os._exit(127)
    status = _wait_for(probe.pid)
    done.set()
    _sweep()
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        os._exit(128 + signum)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _wait_for(pid: int) -> int:
    """Reap children (orphans handed to this subreaper too) until ``pid`` exits."""
    while True:
        try:
            reaped, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue
        if reaped == pid:
            return status


def _watch_lifeline(fd: int, done: threading.Event) -> None:
    """The parent ended (the pipe's write end closed): kill everything and exit."""
    with contextlib.suppress(OSError):
        while os.read(fd, 1):
            pass
    if not done.is_set():
        _sweep_and_exit(128 + signal.SIGKILL)


def _sweep_and_exit(code: int) -> None:
    _sweep()
    os._exit(code)


def _sweep() -> None:
    """SIGKILL every descendant, until none is left (or :data:`_SWEEP_SECONDS` pass)."""
    deadline = time.monotonic() + _SWEEP_SECONDS
    while time.monotonic() < deadline:
        children = _children()
        if not children:
            return
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        _reap_any(0.05)


def _reap_any(wait: float) -> None:
    end = time.monotonic() + wait
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= end:
                return
            time.sleep(0.01)


def _children() -> list[int]:
    """This process's children (every orphaned descendant is one, as subreaper)."""
    me = os.getpid()
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[1]) == me and fields[0] != b"Z":
            found.append(int(name))
        elif len(fields) > 2 and int(fields[1]) == me:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(int(name), os.WNOHANG)  # a zombie: reap it
    return found


def _load_libc():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


#: Loaded before any fork: the probe's pre-exec step must not load a library.
_LIBC = _load_libc()


def _prctl(option: int, value: int) -> None:
    # Without prctl (not Linux), the parent's process-group kill is all there is.
    with contextlib.suppress(AttributeError):
        _LIBC.prctl(option, value, 0, 0, 0)  # type: ignore[union-attr]


def _die_with_parent() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


if __name__ == "__main__":
    main(sys.argv)
