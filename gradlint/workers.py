"""Worker processes that pay for importing LibCST once, not once each.

A worker needs LibCST and the analyzer loaded before its first file: half a second of
imports. In a pool forked from the main process every worker pays that again, on the critical
path of a cold run. Here one process (the *zygote*) is forked from the main process, imports
everything, and forks the workers from itself, so they start with it all loaded. The main
process keeps listing and reading files meanwhile, so on two CPUs the import overlaps with
reading instead of being done twice. The zygote forks a worker only when the main process
asks for one, one per task submitted up to the pool's size: a pool can be started before
anyone knows how many files need it (:func:`gradlint.runner.early_pool`), and it never
holds a process it has no work for. The zygote itself analyzes nothing; it waits for its
workers, which die with it.

Linux only (``fork``). Tasks go out through one queue that all workers take from (its feeder
thread buffers, so reading files never waits for a busy worker); each worker sends its
results through a pipe of its own, of which it holds the only write end, so the main process
sees any worker end, however it ends (a half-sent result ends the same way). A worker that
ends without saying it is done, or all of them ending with results missing, breaks the pool.
Workers are killed when their parent dies, so an interrupted run leaves no process behind.

A worker says which task it starts before it runs it, so a task that kills its worker (a
crash in native code: LibCST's parser on some inputs) or runs past the time limit is known.
:func:`run_tasks` gives such a task a second try alone in a fresh process, and it costs that
task only; everything else is answered by a new pool. Each task also runs under a memory
limit (``RLIMIT_DATA``: an allocation past it fails with ``MemoryError`` in Python, or ends
the process in native code).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.queues
import multiprocessing.util
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from typing import Any

_PR_SET_PDEATHSIG = 1


#: Why a task has no result (see :func:`run_tasks`).
CRASHED = "crashed"
TIMED_OUT = "timed out"
#: How often the time limit is checked while waiting for results.
_POLL_SECONDS = 0.25
#: How long a pool that ends well waits for its processes before it kills them.
_GRACE_SECONDS = 2
#: Sent on the request pipe instead of a request: fork no more workers.
_STOP = b"s"


class PoolBroken(Exception):
    """Workers ended before answering every task.

    ``args[0]`` holds the results that did arrive, by index; :attr:`suspects` the tasks that
    were running in a worker that died (one of them may have killed it), :attr:`timed_out`
    the tasks stopped at the time limit.
    """

    def __init__(
        self,
        results: dict[int, Any],
        suspects: frozenset[int] = frozenset(),
        timed_out: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(results)
        self.suspects = suspects
        self.timed_out = timed_out


class _TaskQueue(multiprocessing.queues.Queue):
    @staticmethod
    def _on_queue_feeder_error(e: Exception, obj: object) -> None:
        """The workers are gone (a broken pool): what could not be sent is analyzed by the
        caller, so there is nothing to print."""


class ForkedPool:
    """``workers`` processes that run ``task(item)`` for every submitted item, in any order.

    ``warm_up`` runs once in the zygote before it forks the other workers: whatever it
    imports, every worker has. A task running longer than ``time_limit`` seconds is killed
    with its worker, and one allocating more than ``memory_limit`` bytes fails there.

    With ``task`` None the pool is started before its work is known (a command line that
    walks a folder starts it before it has even read its options): the zygote runs
    ``prepare`` (the imports), then waits for :meth:`configure` to send the task, the
    warm-up and the memory limit (all picklable), and ends quietly if none comes.
    """

    def __init__(
        self,
        workers: int,
        task: Callable[[Any], Any] | None,
        warm_up: Callable[[], None] | None,
        *,
        time_limit: float | None = None,
        memory_limit: int | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._tasks = _TaskQueue(ctx=context)
        # The main process must never wait on its feeder thread at exit: when the workers
        # are gone, what is left in the pipe is never read.
        self._tasks.cancel_join_thread()
        self._workers = workers
        self._submitted = 0
        self._requested = 0
        self._closed = False
        self._shut = False
        pipes = [context.Pipe(duplex=False) for _ in range(workers)]
        #: One byte per worker the zygote is to fork; its end tells the zygote to fork no more.
        requests, self._requests = context.Pipe(duplex=False)
        #: Where :meth:`configure` sends what a pool started early needs.
        setup: tuple[Connection, Connection] | None = None
        self._setup: Connection | None = None
        if task is None:
            setup = context.Pipe(duplex=False)
            self._setup = setup[1]
        self._configured = task is not None
        self._zygote = context.Process(
            target=_zygote,
            args=(
                self._tasks,
                [w for _, w in pipes],
                (requests, self._requests),
                task,
                warm_up,
                context,
                os.getpid(),
                memory_limit,
                setup,
                prepare,
            ),
            name="gradlint-zygote",
        )
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork() in a process with threads: a feeder thread
                # of an earlier pool only waits on a pipe, it holds no lock a child needs.
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                self._zygote.start()
        except BaseException:
            for pair in [*pipes, (requests, self._requests), *([setup] if setup else [])]:
                for end in pair:
                    end.close()
            self._tasks.close()
            raise
        requests.close()
        if setup is not None:
            setup[0].close()
            # At exit multiprocessing joins its children: a zygote still waiting to be
            # configured must learn first that it never will be (or the exit waits for it).
            multiprocessing.util.Finalize(self, _close_quietly, (setup[1],), exitpriority=10)
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
        self._time_limit = time_limit
        #: worker number -> (task index, worker pid, monotonic start) of the task it runs.
        self._running: dict[int, tuple[int, int, float]] = {}
        self._suspects: set[int] = set()
        self._timed_out: set[int] = set()
        #: Since when tasks wait and nobody has said anything (None: nothing submitted).
        self._quiet_since: float | None = None

    def configure(
        self,
        task: Callable[[Any], Any],
        warm_up: Callable[[], None] | None,
        *,
        workers: int | None = None,
        time_limit: float | None = None,
        memory_limit: int | None = None,
    ) -> None:
        """Give a pool started without its task what it needs (before any :meth:`submit`);
        ``workers``: at most this many of its workers are forked. Raises ``OSError`` when
        the zygote is gone."""
        assert self._setup is not None and not self._configured
        if workers is not None:
            self._workers = max(1, min(self._workers, workers))
        self._time_limit = time_limit
        try:
            self._setup.send((task, warm_up, memory_limit))
        finally:
            self._setup.close()
            self._setup = None
        self._configured = True

    def submit(self, item: Any) -> int:
        """Queue ``item``; returns its index (results are reported by index)."""
        assert self._configured, "configure() a pool started without its task first"
        index = self._submitted
        self._tasks.put((index, item))
        self._submitted += 1
        if self._quiet_since is None:
            self._quiet_since = time.monotonic()
        if self._requested < self._workers:
            self._requested += 1
            with contextlib.suppress(OSError):  # the zygote is gone: the pipes tell
                self._requests.send_bytes(b"w")
        self._receive(timeout=0)  # so a worker with a large result is not kept waiting
        return index

    def results(self) -> dict[int, Any]:
        """Every task's result, by index. Raises :class:`PoolBroken`, with the results that
        did arrive as ``args[0]``, when a worker ended before answering everything."""
        self._close_tasks()
        poll = None if self._time_limit is None else _POLL_SECONDS
        try:
            while len(self._results) < self._submitted and not self._broken:
                self._receive(timeout=poll)
        except BaseException:
            self.shutdown(kill=True)
            raise
        if self._broken:
            self.shutdown(kill=True)
            raise PoolBroken(
                self._results,
                frozenset(self._suspects - self._timed_out),
                frozenset(self._timed_out),
            )
        self.shutdown()
        return self._results

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the workers: those waiting for work end on their own, the rest are killed
        (with the zygote: the others get their parent-death signal). Idempotent."""
        if self._shut:
            return
        self._shut = True
        if self._setup is not None:  # never configured: the zygote ends on its own
            self._setup.close()
            self._setup = None
        self._close_tasks()
        if kill:
            self._zygote.kill()
        self._zygote.join(timeout=None if kill else _GRACE_SECONDS)
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
                running = self._running.pop(number, None)
                if running is not None:
                    self._suspects.add(running[0])
                continue
            self._quiet_since = time.monotonic()
            if message[0] == "done":
                self._done.add(message[1])
            elif message[0] == "start":
                _, index, pid, started = message
                self._running[number] = (index, pid, started)
            else:
                _, index, result = message
                self._running.pop(number, None)
                self._results[index] = result
        self._stop_overdue()

    def _stop_overdue(self) -> None:
        """Kill each worker whose task has run past the time limit (its pipe then ends).
        Tasks waiting for the whole time limit while no worker runs one and none says
        anything mean the zygote or a new worker is stuck before its first task (a
        deadlocked import after fork): the zygote is killed, and its workers with it."""
        if self._time_limit is None:
            return
        now = time.monotonic()
        if (
            not self._running
            and self._quiet_since is not None
            and len(self._results) < self._submitted
            and now - self._quiet_since > self._time_limit
        ):
            self._quiet_since = None
            self._zygote.kill()
            return
        if not self._running:
            return
        for index, pid, started in list(self._running.values()):
            if now - started > self._time_limit and index not in self._timed_out:
                self._timed_out.add(index)
                with contextlib.suppress(OSError):  # it ended on its own meanwhile
                    os.kill(pid, signal.SIGKILL)

    def _close_tasks(self) -> None:
        """No more tasks: one stop per forked worker, and a stop byte for the zygote (not
        just the pipe's end, which another pool's zygote forked meanwhile may hold off).
        The workers never asked for will not exist, so their pipes are not waited on."""
        if not self._closed:
            self._closed = True
            for _ in range(self._requested):
                self._tasks.put(None)
            with contextlib.suppress(OSError):  # the zygote is gone: the pipes tell
                self._requests.send_bytes(_STOP)
            self._requests.close()
            for number in range(self._requested, self._workers):
                self._done.add(number)
                pipe = self._pipes.pop(number, None)
                if pipe is not None:
                    pipe.close()


def _close_quietly(connection: Connection) -> None:
    with contextlib.suppress(OSError):
        connection.close()


def _zygote(
    tasks,
    pipes: list[Connection],
    requests: tuple[Connection, Connection],
    task,
    warm_up,
    context,
    parent: int,
    memory_limit,
    setup: tuple[Connection, Connection] | None = None,
    prepare=None,
) -> None:
    """Warm up, then fork a worker for each request until the main process stops asking;
    say "done" for the workers never asked for, and wait for the others (they die with
    this process). A pool started without its task first prepares, then is told it."""
    read, write = requests
    write.close()  # only the main process asks: its closing is the end of the requests
    forked = []
    try:
        _die_with_parent(parent)
        if setup is not None:
            setup[1].close()  # only the main process configures
            if prepare is not None:
                prepare()
            try:
                task, warm_up, memory_limit = setup[0].recv()
            except EOFError:  # never configured: not needed after all
                os._exit(0)
            setup[0].close()
        if warm_up is not None:
            warm_up()
        for number in range(len(pipes)):
            try:
                if read.recv_bytes() == _STOP:
                    break
            except EOFError:
                break
            worker = context.Process(
                target=_serve,
                args=(tasks, pipes, number, task, os.getpid(), memory_limit, read),
                name=f"gradlint-worker-{number}",
            )
            worker.start()
            forked.append(worker)
            pipes[number].close()
        read.close()
        for number in range(len(forked), len(pipes)):
            with contextlib.suppress(OSError):  # the main process closed it: not wanted
                pipes[number].send(("done", number))
            pipes[number].close()
        for worker in forked:
            worker.join()
    except BaseException:  # noqa: BLE001 - the main process sees the pipes end
        os._exit(1)


def _serve(
    tasks,
    pipes: list[Connection],
    number: int,
    task,
    parent: int,
    memory_limit=None,
    requests: Connection | None = None,
) -> None:
    """Answer tasks until told to stop. Only this worker holds ``pipes[number]`` open, so
    the main process sees it end however it ends; it says "done" first when it ends well."""
    try:
        _die_with_parent(parent)
        if requests is not None:
            requests.close()
        for other, pipe in enumerate(pipes):
            if other != number:
                pipe.close()
        pipe = pipes[number]
        while True:
            item = tasks.get()
            if item is None:
                break
            index, payload = item
            pipe.send(("start", index, os.getpid(), time.monotonic()))
            with _memory_limited(memory_limit):
                result = task(payload)
            pipe.send(("result", index, result))
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


class _memory_limited:
    """``RLIMIT_DATA`` at what the process uses now plus ``limit`` bytes, for one task."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.previous: tuple[int, int] | None = None

    def __enter__(self) -> None:
        if self.limit is None:
            return
        try:
            import resource

            with open("/proc/self/statm", "rb") as statm:
                data_pages = int(statm.read().split()[5])
            used = data_pages * os.sysconf("SC_PAGE_SIZE")
            self.previous = resource.getrlimit(resource.RLIMIT_DATA)
            hard = self.previous[1]
            soft = used + self.limit
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
        except (OSError, ValueError, IndexError, ImportError):
            self.previous = None  # no limit on this system: the time limit still holds

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, self.previous)


def run_tasks(
    items: Iterable[Any],
    task: Callable[[Any], Any],
    workers: int,
    warm_up: Callable[[], None] | None = None,
    *,
    time_limit: float | None = None,
    memory_limit: int | None = None,
    on_broken: Callable[[int], None] | None = None,
    pool: ForkedPool | None = None,
) -> tuple[list[Any], dict[int, Any], dict[int, str]]:
    """``task`` for every item, in worker processes, however a task ends its worker.

    Returns the items (``items`` may be a generator still reading), their results by index,
    and for the tasks without one why (:data:`CRASHED` or :data:`TIMED_OUT`). A task that was
    running in a worker that died is run once more alone in a fresh process, so only the
    task that kills its process is lost; the rest go to a new pool. A pool that breaks
    before it answers or starts anything may have a warm-up that fails: the next pools go
    without it. ``on_broken(n)`` is told how many tasks are left each time a pool breaks.
    Raises ``OSError`` when the first pool cannot be started (the caller then decides what
    to do); when a later one cannot, the tasks it was for have neither a result nor a
    failure (the caller decides for those too), except a task that may have killed its
    worker, which is :data:`CRASHED` rather than given to a process that cannot risk it.
    ``pool``: one started earlier for the same task, used for the first round.
    """
    submitted: list[Any] = []
    results: dict[int, Any] = {}
    failures: dict[int, str] = {}
    limits = {"time_limit": time_limit, "memory_limit": memory_limit}
    iterator = iter(items)
    if pool is None:
        pool = ForkedPool(workers, task, warm_up, **limits)
    #: Which item each of the current pool's task indexes is (None: the first round).
    order: list[int] | None = None
    while True:
        try:
            if order is None:
                for item in iterator:
                    submitted.append(item)
                    pool.submit(item)
            else:
                for index in order:
                    pool.submit(submitted[index])
            answered = pool.results()
            broken: PoolBroken | None = None
        except PoolBroken as why:
            answered, broken = why.args[0], why
        except BaseException:
            pool.shutdown(kill=True)
            raise
        submitted.extend(iterator)  # what was not read yet when the pool broke
        placed = order if order is not None else range(len(submitted))
        results.update({placed[i]: result for i, result in answered.items()})
        if broken is None:
            return submitted, results, failures
        failures.update({placed[i]: TIMED_OUT for i in broken.timed_out})
        suspects = [placed[i] for i in sorted(broken.suspects)]
        left = [i for i in range(len(submitted)) if i not in results and i not in failures]
        if not left:
            return submitted, results, failures
        if on_broken is not None:
            on_broken(len(left))
        if not answered and not broken.suspects and not broken.timed_out:
            warm_up = None  # nothing ran at all: perhaps the warm-up itself fails
        alone = [i for i in left if i in suspects] or left[:1]  # progress, whatever broke it
        for index in alone:
            try:
                single = ForkedPool(1, task, None, **limits)
            except OSError:
                failures.update({i: CRASHED for i in alone if i in suspects and i not in results})
                return submitted, results, failures
            single.submit(submitted[index])
            try:
                results[index] = single.results()[0]
            except PoolBroken as again:
                failures[index] = TIMED_OUT if again.timed_out else CRASHED
        order = [i for i in left if i not in alone]
        if not order:
            return submitted, results, failures
        try:
            pool = ForkedPool(min(workers, len(order)), task, warm_up, **limits)
        except OSError:
            return submitted, results, failures
