"""The forked pool: one import for all workers, and no lost task, hang or stray process when a
worker dies or the run is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint import runner, workers
from gradlint.analyzer.sources import SourceUnit
from gradlint.rules import RULE_MODULES
from gradlint.workers import ForkedPool, PoolBroken

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")

ALL = list(RULE_MODULES)
MAIN_PID = os.getpid()
#: Set by the warm-up in the zygote; the other workers are forked after it.
WARMED: list[int] = []


def _warm() -> None:
    WARMED.append(os.getpid())


def _who(item: float) -> tuple[int, list[int]]:
    time.sleep(item)  # long enough that both workers take tasks
    return os.getpid(), list(WARMED)


def test_every_worker_starts_from_the_warmed_up_zygote() -> None:
    pool = ForkedPool(2, _who, _warm)
    for _ in range(8):
        pool.submit(0.05)
    results = pool.results()
    assert sorted(results) == list(range(8))
    pids = {pid for pid, _ in results.values()}
    assert len(pids) == 2 and MAIN_PID not in pids
    zygotes = {tuple(warmed) for _, warmed in results.values()}
    assert len(zygotes) == 1  # warmed once, in one process, and inherited by the workers
    (zygote,) = zygotes
    assert len(zygote) == 1 and zygote[0] not in pids | {MAIN_PID}
    assert WARMED == []  # never in this process


def _children_of(pid: int) -> set[int]:
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                children.add(int(entry))
    return children


def _sleep_then_who(item: float) -> int:
    time.sleep(item)
    return os.getpid()


@pytest.mark.parametrize("tasks", [0, 1, 3])
def test_the_zygote_forks_a_worker_only_for_a_submitted_task(tasks: int) -> None:
    """A pool started before the files are listed must not hold idle processes: one
    worker per task, up to the pool's size."""
    pool = ForkedPool(8, _sleep_then_who, _warm)
    for _ in range(tasks):
        pool.submit(1.0)
    zygote = pool._zygote.pid
    deadline = time.monotonic() + 30
    while len(_children_of(zygote)) < tasks and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # a worker forked without a task would show by now
    assert len(_children_of(zygote)) == tasks
    results = pool.results()
    assert len(results) == tasks and len(set(results.values())) == tasks
    assert not _alive(zygote)


def _die_on_three(item: int) -> int:
    if item == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return item * 10


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_worker_killed_mid_task_breaks_the_pool_without_a_hang(count: int) -> None:
    pool = ForkedPool(count, _die_on_three, lambda: None)
    for item in range(8):
        pool.submit(item)
    started = time.monotonic()
    with pytest.raises(PoolBroken) as raised:
        pool.results()
    assert time.monotonic() - started < 10
    arrived = raised.value.args[0]
    assert 3 not in arrived
    assert all(arrived[i] == i * 10 for i in arrived)


def _fail_warm_up() -> None:
    raise RuntimeError("cannot import")


def test_a_zygote_that_fails_to_warm_up_breaks_the_pool() -> None:
    pool = ForkedPool(2, _who, _fail_warm_up)
    pool.submit(0.0)
    with pytest.raises(PoolBroken) as raised:
        pool.results()
    assert raised.value.args[0] == {}


def test_an_empty_pool_ends_cleanly() -> None:
    pool = ForkedPool(2, _who, _warm)
    assert pool.results() == {}


def test_files_a_dead_worker_did_not_answer_are_analyzed_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = runner.safe_analyze

    def deadly(unit: SourceUnit, codes: list[str]):
        if unit.path == "2.py" and os.getpid() != MAIN_PID:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(unit, codes)

    monkeypatch.setattr(runner, "safe_analyze", deadly)
    units = [SourceUnit(path=f"{i}.py", text=FROZEN) for i in range(5)]
    results = runner.analyze_units(iter(units), ALL, jobs=2)
    assert [[f.path for f in found] for found in results] == [[f"{i}.py"] for i in range(5)]
    warning = capsys.readouterr().err
    assert warning.startswith("gradlint: a worker process ended unexpectedly; analyzing ")
    assert warning.count("\n") == 1


def test_a_pool_that_cannot_start_finishes_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_processes(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(workers, "ForkedPool", no_processes)
    units = (SourceUnit(path=f"{i}.py", text=FROZEN) for i in range(3))
    results = runner.analyze_units(units, ALL, jobs=2)
    assert [[f.code for f in found] for found in results] == [["GL001"]] * 3


def test_the_standard_pool_used_elsewhere_gives_the_same_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    units = [SourceUnit(path=f"{i}.py", text=FROZEN) for i in range(3)]
    expected = [runner.safe_analyze(unit, ALL) for unit in units]
    assert runner._in_executor(iter(units), ALL, 2) == expected

    import concurrent.futures

    def no_processes(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    assert runner._in_executor(iter(units), ALL, 2) == expected


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_killing_the_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Workers wait on a queue; when the run is killed they must not wait forever."""
    pids = tmp_path / "pids"
    script = textwrap.dedent(
        f"""\
        import os, time
        from gradlint.workers import ForkedPool

        def task(item):
            with open({str(pids)!r}, "a") as out:
                out.write(f"{{os.getpid()}}\\n")
            time.sleep(60)

        pool = ForkedPool(2, task, lambda: None)
        pool.submit(1)
        pool.submit(2)
        pool.results()
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if pids.exists() and len(pids.read_text().split()) == 2:
                break
            time.sleep(0.05)
        workers_started = [int(pid) for pid in pids.read_text().split()]
        assert len(workers_started) == 2
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(map(_alive, workers_started)):
            time.sleep(0.05)
        assert not any(map(_alive, workers_started))
    finally:
        run.kill()
        run.wait()


def test_a_worker_dying_after_a_large_result_breaks_the_pool_without_a_hang(
    tmp_path: Path,
) -> None:
    """Results larger than a pipe's buffer wait in the pipe while the files are still being
    read; a worker that then dies must still be noticed (run in a child: a hang fails)."""
    script = textwrap.dedent(
        """\
        import os, signal, time
        from gradlint.workers import ForkedPool, PoolBroken

        def task(item):
            if item == 0:
                return "x" * 500_000
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGKILL)

        for workers in (1, 2):
            pool = ForkedPool(workers, task, lambda: None)
            pool.submit(0)
            pool.submit(1)
            time.sleep(1)  # still reading files: nobody takes the results yet
            try:
                pool.results()
            except PoolBroken as broken:
                arrived = broken.args[0]
                # One worker answers 0 before it takes 1; two may break before 0 is read.
                print(workers, "broken", workers == 2 or len(arrived[0]) == 500_000)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:2] == ["1 broken True", "2 broken True"]
    assert done.stderr == ""


def test_a_broken_pool_leaves_no_thread_or_descriptor_behind() -> None:
    import threading

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before_threads, before_fds = threading.active_count(), fds()
    for _ in range(3):
        pool = ForkedPool(2, _die_on_three, lambda: None)
        for item in range(50):
            pool.submit(item)
        with pytest.raises(PoolBroken):
            pool.results()
    deadline = time.monotonic() + 10  # a feeder thread may still be failing its last sends
    while time.monotonic() < deadline and threading.active_count() > before_threads:
        time.sleep(0.05)
    assert threading.active_count() == before_threads
    assert fds() == before_fds


def test_shutting_down_twice_is_harmless() -> None:
    pool = ForkedPool(2, _who, _warm)
    pool.submit(0.0)
    pool.shutdown(kill=True)
    pool.shutdown(kill=True)
    pool.shutdown()


class _Hung(Exception):
    pass


class _alarm:
    """Fails the test instead of hanging the suite when the pool under test hangs."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        def ring(signum, frame):
            raise _Hung(f"no answer within {self.seconds} s")

        self.previous = signal.signal(signal.SIGALRM, ring)
        signal.alarm(self.seconds)

    def __exit__(self, *exc: object) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


def _times_ten(item: int) -> int:
    return item * 10


def test_a_second_pool_open_meanwhile_does_not_keep_the_first_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second zygote inherits this process's end of the first pool's request pipe; the
    first zygote must still learn that no more workers are wanted (regression: it waited
    for that pipe's end, so the pool ended only when killed after the grace period)."""
    monkeypatch.setattr(workers, "_GRACE_SECONDS", 30)
    first = ForkedPool(4, _times_ten, lambda: None)
    first.submit(1)
    second = ForkedPool(4, _times_ten, lambda: None)
    try:
        started = time.monotonic()
        with _alarm(60):
            assert first.results() == {0: 10}
        assert time.monotonic() - started < 15  # well under the grace period
    finally:
        second.shutdown(kill=True)


def test_a_missing_result_breaks_the_pool_while_another_pool_is_open() -> None:
    """Workers never forked hold no pipe: when every forked worker has ended well and a
    result is still missing, the pool is broken, not waiting for ever on those pipes."""
    first = ForkedPool(4, _times_ten, lambda: None)
    first.submit(1)
    first._submitted += 1  # a task that never reached a worker (a dropped send)
    second = ForkedPool(4, _times_ten, lambda: None)
    try:
        with _alarm(60), pytest.raises(PoolBroken) as raised:
            first.results()
        assert raised.value.args[0] == {0: 10}
    finally:
        second.shutdown(kill=True)


def test_a_warm_up_that_always_fails_costs_a_few_pools_not_one_per_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: each broken pool gave one item a pool of its own and the rest a new pool
    with the same warm-up: a pool per item, and a RecursionError past ~1,000 items."""
    pools = []
    real = workers.ForkedPool

    def counted(*args, **kwargs):
        pools.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "ForkedPool", counted)
    items = list(range(1200))
    with _alarm(120):
        submitted, results, failures = workers.run_tasks(iter(items), _times_ten, 2, _fail_warm_up)
    assert submitted == items and failures == {}
    assert results == {i: i * 10 for i in items}
    assert len(pools) <= 3


def _never_warm() -> None:
    time.sleep(3600)  # a deadlocked import after fork


def test_a_zygote_stuck_before_its_first_worker_is_stopped_at_the_time_limit() -> None:
    with _alarm(60):
        _, results, failures = workers.run_tasks(
            iter(range(5)), _times_ten, 2, _never_warm, time_limit=1
        )
    assert results == {i: i * 10 for i in range(5)} and failures == {}


def test_when_no_retry_pool_can_start_what_arrived_is_kept_and_the_suspect_is_not_rerun(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: one retry pool failing to start (EAGAIN) dropped every result that had
    arrived, and the caller analyzed all the files itself, the one that kills its
    process too."""
    real = workers.ForkedPool
    started = []

    def only_the_first(*args, **kwargs):
        if started:
            raise OSError("no processes left")
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "ForkedPool", only_the_first)
    with _alarm(60):
        submitted, results, failures = workers.run_tasks(
            iter(range(8)), _die_on_three, 1, lambda: None
        )
    assert submitted == list(range(8))
    assert failures == {3: workers.CRASHED}
    assert results == {0: 0, 1: 10, 2: 20}  # one worker: the tasks before the deadly one


def test_when_no_retry_pool_can_start_the_file_that_killed_a_worker_is_not_analyzed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_analyze = runner.safe_analyze
    here: list[str] = []

    def deadly(unit: SourceUnit, codes: list[str]):
        if os.getpid() == MAIN_PID:
            here.append(unit.path)
        elif unit.path == "2.py":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_analyze(unit, codes)

    real_pool = workers.ForkedPool
    started = []

    def only_the_first(*args, **kwargs):
        if started:
            raise OSError("no processes left")
        started.append(1)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(runner, "safe_analyze", deadly)
    monkeypatch.setattr(workers, "ForkedPool", only_the_first)
    units = [SourceUnit(path=f"{i}.py", text=FROZEN) for i in range(5)]
    with _alarm(60):
        results = runner.analyze_units(iter(units), ALL, jobs=2)
    assert "2.py" not in here
    assert [found[0].code for found in results] == ["GL001", "GL001", "GL000", "GL001", "GL001"]


PREPARED: list[int] = []


def _prepare() -> None:
    PREPARED.append(os.getpid())


def _prepared_and_warmed(item: int) -> tuple[int, list[int], list[int]]:
    return item * 10, list(PREPARED), list(WARMED)


def test_a_pool_started_before_its_task_prepares_then_runs_what_it_is_told() -> None:
    pool = ForkedPool(4, None, None, prepare=_prepare)
    pool.configure(_prepared_and_warmed, _warm, workers=2, time_limit=30)
    for item in range(6):
        pool.submit(item)
    results = pool.results()
    assert sorted(r[0] for r in results.values()) == [0, 10, 20, 30, 40, 50]
    prepared = {tuple(r[1]) for r in results.values()}
    warmed = {tuple(r[2]) for r in results.values()}
    assert len(prepared) == 1 and len(warmed) == 1  # once, in the zygote, before the fork
    assert prepared == warmed  # the same process did both
    assert PREPARED == [] and WARMED == []  # never in this process
    assert pool._workers == 2


def test_a_pool_started_early_and_never_configured_ends_without_a_trace(tmp_path: Path) -> None:
    pool = ForkedPool(2, None, None, prepare=_prepare)
    zygote = pool._zygote.pid
    started = time.monotonic()
    pool.shutdown()
    assert time.monotonic() - started < workers._GRACE_SECONDS  # it ended by itself
    assert not _alive(zygote)
    # And when the process that started it ends without a word:
    script = textwrap.dedent(
        """\
        import time
        from gradlint.workers import ForkedPool
        pool = ForkedPool(2, None, None, prepare=lambda: time.sleep(0.2))
        print(pool._zygote.pid, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    orphan = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(orphan):
        time.sleep(0.05)
    assert not _alive(orphan)
    assert done.stderr == ""
