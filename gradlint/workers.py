"""Worker processes that pay for importing LibCST once, not once each.

A worker needs LibCST and the analyzer loaded before its first file: 0.2 s of imports. In a
pool forked from the main process every worker pays that again, on the critical path of a
cold run. Here the first worker (the *zygote*) is forked from the main process, imports
everything, and forks the other workers from itself, so they start with it all loaded. The
main process keeps reading files meanwhile, so on two CPUs the import overlaps with reading
instead of being done twice.

Linux only (``fork``). Tasks go out through one queue that all workers take from and results
come back through another; the main process never blocks on a busy worker (the queues'
feeder threads buffer). Each worker holds the write end of its own "life" pipe, so the main
process sees any worker end, however it ends: a worker that ends without saying it is done
(or all of them ending with results missing) breaks the pool, and the caller analyzes what
is missing itself. Workers are killed when their parent dies, so an interrupted run leaves
no process behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import select
import signal
import warnings
from collections.abc import Callable, Iterable
from typing import Any

#: How often (seconds) the main process checks for dead workers while results are missing.
_LIVENESS_INTERVAL = 0.1
_PR_SET_PDEATHSIG = 1


class PoolBroken(Exception):
    """Workers ended before answering every task."""


class ForkedPool:
    """``workers`` processes that run ``task(item)`` for every submitted item, in any order.

    ``warm_up`` runs once in the zygote before it forks the other workers: whatever it
    imports, every worker has.
    """

    def __init__(
        self,
        workers: int,
        task: Callable[[Any], Any],
        warm_up: Callable[[], None],
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._tasks = context.Queue()
        self._results = context.Queue()
        # The main process must never wait on its feeder thread at exit: when the workers
        # are gone, what is left in the pipe is never read.
        self._tasks.cancel_join_thread()
        self._workers = workers
        self._submitted = 0
        self._closed = False
        life = [os.pipe() for _ in range(workers)]
        self._zygote = context.Process(
            target=_zygote,
            args=(
                self._tasks,
                self._results,
                [w for _, w in life],
                task,
                warm_up,
                context,
                os.getpid(),
            ),
            name="gradlint-worker-0",
        )
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork() in a process with threads: a feeder thread
                # of an earlier pool only waits on a pipe, it holds no lock a child needs.
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                self._zygote.start()
        except BaseException:
            for pair in life:
                for fd in pair:
                    os.close(fd)
            raise
        for _, write in life:
            os.close(write)
        #: worker number -> read end of its life pipe, for the workers not seen ending yet.
        self._life = {number: read for number, (read, _) in enumerate(life)}
        self._ended: set[int] = set()
        self._done: set[int] = set()

    def submit(self, item: Any) -> int:
        """Queue ``item``; returns its index (results are reported by index)."""
        index = self._submitted
        self._tasks.put((index, item))
        self._submitted += 1
        return index

    def results(self) -> dict[int, Any]:
        """Every task's result, by index. Raises :class:`PoolBroken`, with the results that
        did arrive as ``args[0]``, when a worker ended before answering everything."""
        self._close_tasks()
        results: dict[int, Any] = {}
        try:
            while len(results) < self._submitted:
                try:
                    message = self._results.get(timeout=_LIVENESS_INTERVAL)
                except queue.Empty:
                    if self._broken(results):
                        raise PoolBroken(results) from None
                    continue
                self._take(message, results)
        except BaseException:
            self.shutdown(kill=True)
            raise
        self.shutdown()
        return results

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the workers: those waiting for work end on their own, the rest are killed
        (with the zygote: the others get their parent-death signal)."""
        self._close_tasks()
        if kill:
            self._zygote.kill()
        self._zygote.join(timeout=None if kill else 2)
        if self._zygote.is_alive():
            self._zygote.kill()
            self._zygote.join()
        for fd in self._life.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._life = {}
        self._tasks.close()
        self._results.close()

    def _take(self, message: tuple, results: dict[int, Any]) -> None:
        if message[0] == "done":
            self._done.add(message[1])
        else:
            _, index, result = message
            results[index] = result

    def _broken(self, results: dict[int, Any]) -> bool:
        """Whether a worker ended without saying it was done, or all ended with results
        still missing. Called when no result came for a while."""
        self._watch_life()
        if not self._ended - self._done and len(self._ended) < self._workers:
            return False
        # A worker's last messages are in the pipe before its life pipe closes.
        for message in self._drain():
            self._take(message, results)
        return bool(self._ended - self._done) or len(results) < self._submitted

    def _watch_life(self) -> None:
        if not self._life:
            return
        poller = select.poll()  # not select(): no limit on descriptor numbers
        for fd in self._life.values():
            poller.register(fd, select.POLLIN)
        readable = {fd for fd, _ in poller.poll(0)}
        for number, fd in list(self._life.items()):
            if fd in readable and not os.read(fd, 1):  # end of file: that worker is gone
                os.close(fd)
                del self._life[number]
                self._ended.add(number)

    def _close_tasks(self) -> None:
        if not self._closed:
            self._closed = True
            for _ in range(self._workers):
                self._tasks.put(None)

    def _drain(self) -> Iterable[tuple]:
        while True:
            try:
                yield self._results.get(timeout=_LIVENESS_INTERVAL)
            except queue.Empty:
                return


def _zygote(tasks, results, lives: list[int], task, warm_up, context, parent: int) -> None:
    try:
        _die_with_parent(parent)
        warm_up()
        for number in range(1, len(lives)):
            worker = context.Process(
                target=_serve,
                args=(tasks, results, lives, number, task, os.getpid()),
                name=f"gradlint-worker-{number}",
            )
            worker.start()
            os.close(lives[number])
    except BaseException:  # noqa: BLE001 - the main process sees this worker end
        os._exit(1)
    _serve(tasks, results, lives, 0, task, parent)


def _serve(tasks, results, lives: list[int], number: int, task, parent: int) -> None:
    """Answer tasks until told to stop. Only this worker holds ``lives[number]`` open, so
    the main process sees it end however it ends; it says "done" first when it ends well."""
    try:
        if number:
            _die_with_parent(parent)
            for other, fd in enumerate(lives):
                if other != number:
                    with contextlib.suppress(OSError):
                        os.close(fd)
        while True:
            item = tasks.get()
            if item is None:
                break
            index, payload = item
            results.put(("result", index, task(payload)))
        results.put(("done", number))
        results.close()
        results.join_thread()  # every message is in the pipe before this worker ends
    except BaseException:  # noqa: BLE001 - Ctrl-C or a crash: no traceback from a worker
        os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends (a killed run leaves no worker
    waiting on a queue nobody writes to any more)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no prctl: an orphan is still ended by the check below or by Ctrl-C
    if os.getppid() != parent:
        os._exit(1)  # the parent ended before the signal was asked for
