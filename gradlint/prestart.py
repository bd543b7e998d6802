"""The worker pool of a command line that walks a folder, started before anything else.

A run over a tree spends its first tenth of a second importing the command line (click,
the configuration, the cache) with one CPU idle, and only then starts the zygote whose
import of LibCST every worker needs (:mod:`gradlint.workers`). Started here instead, at the
top of the entry point, the zygote imports while the command line does; the run hands it
its task once the options are read (:func:`take`), and a run that turns out not to need it
(a configuration with ``jobs = 1``, nothing to analyze) ends it (:func:`discard`).

Only the plain case starts one: Linux, more than one CPU, the lint command, a folder among
the arguments (or a long list of files), no ``-j 1``.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlint.workers import ForkedPool

#: Subcommands that never lint a tree (the lint command is the default one).
_OTHER_COMMANDS = {"rule", "rules", "clean", "version", "server", "confirm", "--help", "-h"}
_NO_POOL = {"--version", "-V", "--help", "-h", "-j1", "--jobs=1", "--show-files", "--no-pool"}
#: As many named files as make a run start its pool early (``api.EARLY_POOL_FILES``).
_MANY_FILES = 32

_started: ForkedPool | None = None


def wanted(args: list[str]) -> bool:
    """Whether these command-line arguments are a lint run that starts a pool early."""
    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2:
        return False
    if not args or args[0] in _OTHER_COMMANDS or _NO_POOL & set(args):
        return False
    for flag in ("-j", "--jobs"):
        if flag in args:
            index = args.index(flag)
            if args[index + 1 : index + 2] == ["1"]:
                return False
    paths = [a for a in args if not a.startswith("-")]
    return len(paths) >= _MANY_FILES or any(os.path.isdir(a) for a in paths)


def start(args: list[str]) -> None:
    """Start the pool when :func:`wanted` says so (quietly nothing when it cannot)."""
    global _started
    if _started is not None or not wanted(args):
        return
    from gradlint.workers import ForkedPool

    try:
        _started = ForkedPool(os.cpu_count() or 2, None, None, prepare=_prepare)
    except OSError:
        return
    atexit.register(discard)


def take() -> ForkedPool | None:
    """The pool started early, for the run to configure (once)."""
    global _started
    pool, _started = _started, None
    return pool


def discard() -> None:
    """End a pool started early that nobody took."""
    pool = take()
    if pool is not None:
        pool.shutdown(kill=True)


def _prepare() -> None:
    """In the zygote, before the run says what to do: every import, and one analysis with
    every rule (what the run's own warm-up would otherwise wait for)."""
    from gradlint.rules import RULE_MODULES
    from gradlint.runner import _warm_up

    _warm_up(list(RULE_MODULES))
