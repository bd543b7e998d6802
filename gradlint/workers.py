"""Worker processes that pay for importing LibCST once, not once each.

A worker needs LibCST and the analyzer loaded before its first file: 0.2 s of imports. In a
pool forked from the main process every worker pays that again, on the critical path of a
cold run. Here the first worker (the *zygote*) is forked from the main process, imports
everything, and forks the other workers from itself, so they start with it all loaded. The
main process keeps reading files meanwhile, so on two CPUs the import overlaps with reading
instead of being done twice.

Linux only (``fork``). Tasks go out through one queue that all workers take from (its feeder
thread buffers, so reading files never waits for a busy worker); each worker sends its
results through a pipe of its own, of which it holds the only write end, so the main process
sees any worker end, however it ends (a half-sent result ends the same way). A worker that
ends without saying it is done, or all of them ending with results missing, breaks the pool,
and the caller analyzes what is missing itself. Workers are killed when their parent dies,
so an interrupted run leaves no process behind.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import os
import signal
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

_PR_SET_PDEATHSIG = 1


class PoolBroken(Exception):
    """Workers ended before answering every task."""


class _TaskQueue(multiprocessing.queues.Queue):
    @staticmethod
    def _on_queue_feeder_error(e: Exception, obj: object) -> None:
        """The workers are gone (a broken pool): what could not be sent is analyzed by the
        caller, so there is nothing to print."""


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
        self._tasks = _TaskQueue(ctx=context)
        # The main process must never wait on its feeder thread at exit: when the workers
        # are gone, what is left in the pipe is never read.
        self._tasks.cancel_join_thread()
        self._workers = workers
        self._submitted = 0
        self._closed = False
        self._shut = False
        pipes = [context.Pipe(duplex=False) for _ in range(workers)]
        self._zygote = context.Process(
            target=_zygote,
            args=(self._tasks, [w for _, w in pipes], task, warm_up, context, os.getpid()),
            name="gradlint-worker-0",
        )
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork() in a process with threads: a feeder thread
                # of an earlier pool only waits on a pipe, it holds no lock a child needs.
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                self._zygote.start()
        except BaseException:
            for pair in pipes:
                for end in pair:
                    end.close()
            self._tasks.close()
            raise
        for _, write in pipes:
            write.close()  # each worker holds the only write end of its own pipe
        # Nor does this process read tasks: with its copy of the read end closed, a task
        # that cannot be delivered fails instead of blocking the feeder thread for ever.
        self._tasks._reader.close()
        #: worker number -> read end of its result pipe, for the workers still running.
        self._pipes: dict[int, Connection] = {n: read for n, (read, _) in enumerate(pipes)}
        self._done: set[int] = set()
        self._broken = False
        self._results: dict[int, Any] = {}

    def submit(self, item: Any) -> int:
        """Queue ``item``; returns its index (results are reported by index)."""
        index = self._submitted
        self._tasks.put((index, item))
        self._submitted += 1
        self._receive(timeout=0)  # so a worker with a large result is not kept waiting
        return index

    def results(self) -> dict[int, Any]:
        """Every task's result, by index. Raises :class:`PoolBroken`, with the results that
        did arrive as ``args[0]``, when a worker ended before answering everything."""
        self._close_tasks()
        try:
            while len(self._results) < self._submitted and not self._broken:
                self._receive(timeout=None)
        except BaseException:
            self.shutdown(kill=True)
            raise
        if self._broken:
            self.shutdown(kill=True)
            raise PoolBroken(self._results)
        self.shutdown()
        return self._results

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the workers: those waiting for work end on their own, the rest are killed
        (with the zygote: the others get their parent-death signal). Idempotent."""
        if self._shut:
            return
        self._shut = True
        self._close_tasks()
        if kill:
            self._zygote.kill()
        self._zygote.join(timeout=None if kill else 2)
        if self._zygote.is_alive():
            self._zygote.kill()
            self._zygote.join()
        self._zygote.close()  # its sentinel descriptor
        for pipe in self._pipes.values():
            pipe.close()
        self._pipes = {}
        self._tasks.close()

    def _receive(self, timeout: float | None) -> None:
        """Take what the workers sent. A worker whose pipe ends without its "done" died
        (however it ended: a half-sent message ends the same way), and breaks the pool; so
        does every worker ending well with results still missing."""
        if not self._pipes:
            self._broken = self._broken or len(self._results) < self._submitted
            return
        for pipe in wait(list(self._pipes.values()), timeout):
            number = next(n for n, p in self._pipes.items() if p is pipe)
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                pipe.close()
                del self._pipes[number]
                self._broken = self._broken or number not in self._done
                continue
            if message[0] == "done":
                self._done.add(message[1])
            else:
                _, index, result = message
                self._results[index] = result

    def _close_tasks(self) -> None:
        if not self._closed:
            self._closed = True
            for _ in range(self._workers):
                self._tasks.put(None)


def _zygote(tasks, pipes: list[Connection], task, warm_up, context, parent: int) -> None:
    try:
        _die_with_parent(parent)
        warm_up()
        for number in range(1, len(pipes)):
            worker = context.Process(
                target=_serve,
                args=(tasks, pipes, number, task, os.getpid()),
                name=f"gradlint-worker-{number}",
            )
            worker.start()
            pipes[number].close()
    except BaseException:  # noqa: BLE001 - the main process sees this worker end
        os._exit(1)
    _serve(tasks, pipes, 0, task, parent)


def _serve(tasks, pipes: list[Connection], number: int, task, parent: int) -> None:
    """Answer tasks until told to stop. Only this worker holds ``pipes[number]`` open, so
    the main process sees it end however it ends; it says "done" first when it ends well."""
    try:
        if number:
            _die_with_parent(parent)
            for other, pipe in enumerate(pipes):
                if other != number:
                    pipe.close()
        pipe = pipes[number]
        while True:
            item = tasks.get()
            if item is None:
                break
            index, payload = item
            pipe.send(("result", index, task(payload)))
        pipe.send(("done", number))
        pipe.close()
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
        pass  # no prctl: a worker whose parent ends later waits on its queue until Ctrl-C
    if os.getppid() != parent:
        os._exit(1)  # the parent ended before the signal was asked for
