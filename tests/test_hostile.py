"""Hostile and odd input (issue #18): no crash, no hang, no write outside the tree, no lost
edit. Each test reproduces one failure of gradlint as it was."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint import engine, runner
from gradlint.analyzer.sources import SourceUnit
from gradlint.discovery import collect_files
from gradlint.rules import RULE_MODULES
from gradlint.settings import Settings

ALL = list(RULE_MODULES)
MAIN_PID = os.getpid()
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool")


def lint(root: Path, **settings) -> list:
    config = Settings(root=root, cache_dir=root / ".gradlint_cache", **settings)
    files = collect_files([str(root)], config.exclude, root)
    return runner.run(files, ALL, config)


def gradlint(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "gradlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# --------------------------------------------------------------------------------------------
# 1. A native-parser crash costs one file, never the run.


def test_brackets_nested_past_cpythons_limit_never_reach_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import libcst

    from gradlint.analyzer.parsing import parse_unit

    def must_not_parse(*args, **kwargs):
        raise AssertionError("LibCST was handed a file CPython rejects for depth")

    monkeypatch.setattr(libcst, "parse_module", must_not_parse)
    text = "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n"
    error = parse_unit(SourceUnit(path="deep.py", text=text))
    assert "too many nested parentheses" in error.message


def test_1500_nested_parentheses_are_one_gl000_not_a_dead_run(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text(
        FROZEN + "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n", encoding="utf-8"
    )
    (tmp_path / "fine.py").write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", "-j", "1", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "deep.py:" in done.stdout and "GL000 syntax error: too many nested" in done.stdout
    assert "fine.py:8:13: GL001" in done.stdout


def _crash_on_boom(real):
    def analyze(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("boom.py") and os.getpid() != MAIN_PID:
            faulthandler.disable()  # pytest's would print the worker's stack
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(unit, codes, **kwargs)

    return analyze


@linux_only
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_in_native_code_is_a_gl000_for_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    for name in ("a.py", "boom.py", "c.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", _crash_on_boom(engine.analyze_unit))
    findings = lint(tmp_path, jobs=jobs, use_cache=True)
    by_file = {Path(f.path).name: f for f in findings}
    assert by_file["boom.py"].code == "GL000"
    assert by_file["boom.py"].message.startswith("too complex to analyze: the analysis process")
    assert by_file["a.py"].code == by_file["c.py"].code == "GL001"
    # Never cached: the next run tries again.
    monkeypatch.setattr(runner, "analyze_unit", engine.analyze_unit)
    assert {f.code for f in lint(tmp_path, jobs=jobs, use_cache=True)} == {"GL001"}


# --------------------------------------------------------------------------------------------
# 10. Each file has a time and a memory budget.


@linux_only
def test_a_file_past_the_time_limit_is_too_complex_and_the_rest_is_analyzed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.analyze_unit

    def slow(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("slow.py"):
            time.sleep(60)
        return real(unit, codes, **kwargs)

    for name in ("slow.py", "fine.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", slow)
    monkeypatch.setenv(runner.TIME_LIMIT_VARIABLE, "1")
    started = time.monotonic()
    findings = lint(tmp_path, jobs=2, use_cache=False)
    assert time.monotonic() - started < 30
    by_file = {Path(f.path).name: f for f in findings}
    assert by_file["slow.py"].message == (
        "too complex to analyze: took more than 1 s (GRADLINT_FILE_TIME_LIMIT)"
    )
    assert by_file["fine.py"].code == "GL001"


@linux_only
def test_a_file_past_the_memory_limit_is_too_complex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.analyze_unit

    def greedy(unit: SourceUnit, codes, **kwargs):
        if unit.path.endswith("big.py"):
            hog = bytearray(512 * 2**20)
            del hog
        return real(unit, codes, **kwargs)

    for name in ("big.py", "fine.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    monkeypatch.setattr(runner, "analyze_unit", greedy)
    monkeypatch.setenv(runner.MEMORY_LIMIT_VARIABLE, "64")
    by_file = {Path(f.path).name: f for f in lint(tmp_path, jobs=1, use_cache=False)}
    assert by_file["big.py"].message == (
        "too complex to analyze: needs more than 64 MiB (GRADLINT_FILE_MEMORY_LIMIT) of memory"
    )
    assert by_file["fine.py"].code == "GL001"


# --------------------------------------------------------------------------------------------
# 2. --output-file writes through devices, FIFOs and links, and replaces only regular files.


def _frozen_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "step.py").write_text(FROZEN, encoding="utf-8")
    return tree


def test_output_file_through_a_link_to_stdout_reaches_stdout(tmp_path: Path) -> None:
    tree = _frozen_tree(tmp_path)
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    done = gradlint("--no-cache", "-o", str(link), "step.py", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert "step.py:8:13: GL001" in done.stdout
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_output_file_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    tree = _frozen_tree(tmp_path)
    target = tmp_path / "report.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    done = gradlint("--no-cache", "-o", str(link), "step.py", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert link.is_symlink()
    assert "step.py:8:13: GL001" in target.read_text()


@linux_only
def test_output_file_into_a_fifo_writes_through(tmp_path: Path) -> None:
    import stat
    import threading

    tree = _frozen_tree(tmp_path)
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader_ready = threading.Event()

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        reader_ready.set()
        os.set_blocking(fd, True)
        chunks = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            chunk = os.read(fd, 65536)
            if chunk:
                chunks.append(chunk)
            elif chunks:
                break
            else:
                time.sleep(0.05)
        os.close(fd)
        received.append(b"".join(chunks))

    thread = threading.Thread(target=read)
    thread.start()
    reader_ready.wait(10)
    done = gradlint("--no-cache", "-o", str(fifo), "step.py", cwd=tree)
    thread.join(70)
    assert done.returncode == 1, done.stderr
    assert b"step.py:8:13: GL001" in received[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_file_into_a_fifo_nobody_reads_is_exit_2_not_a_hang(tmp_path: Path) -> None:
    tree = _frozen_tree(tmp_path)
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    done = gradlint("--no-cache", "-o", str(fifo), "step.py", cwd=tree, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("cannot write report: no process is reading this FIFO")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod as root")
def test_output_file_onto_a_device_node_keeps_the_device(tmp_path: Path) -> None:
    import stat

    tree = _frozen_tree(tmp_path)
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    done = gradlint("--no-cache", "-o", str(null), "step.py", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)


# --------------------------------------------------------------------------------------------
# 3. Folder symlinks that leave the walked tree are not followed.

#: A step whose update is commented out: GL002, fixable.
COMMENTED = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam()


def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""


def test_fix_never_follows_a_folder_link_out_of_the_tree(tmp_path: Path) -> None:
    repo, victim = tmp_path / "repo", tmp_path / "victim"
    repo.mkdir()
    victim.mkdir()
    (victim / "step.py").write_text(COMMENTED, encoding="utf-8")
    (repo / "vendor").symlink_to("../victim", target_is_directory=True)
    (repo / "inner").mkdir()
    (repo / "inner" / "step.py").write_text(COMMENTED, encoding="utf-8")
    (repo / "alias").symlink_to("inner", target_is_directory=True)  # inside: followed
    (repo / "outside.py").symlink_to(victim / "step.py")
    done = gradlint("--no-cache", "--fix", ".", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (victim / "step.py").read_text() == COMMENTED
    assert (repo / "inner" / "step.py").read_text() != COMMENTED
    assert "vendor" not in done.stderr and "outside" not in done.stderr


def test_a_link_to_the_root_of_the_file_system_is_not_walked(tmp_path: Path) -> None:
    (tmp_path / "up").symlink_to("/", target_is_directory=True)
    (tmp_path / "step.py").write_text(FROZEN, encoding="utf-8")
    files = collect_files([str(tmp_path)], list(Settings().exclude), tmp_path)
    assert [Path(f.fs_path).name for f in files] == ["step.py"]


# --------------------------------------------------------------------------------------------
# 4. A repository's own .gradlint_cache/ is never believed.


def _cached_lint(root: Path, key_home: Path) -> subprocess.CompletedProcess:
    return gradlint(
        "--format", "json", "--exit-zero", ".", cwd=root, env={"XDG_CACHE_HOME": str(key_home)}
    )


def test_cache_entries_made_on_another_machine_are_never_used(tmp_path: Path) -> None:
    import json

    repo = _frozen_tree(tmp_path)
    clean = json.loads(_cached_lint(repo, tmp_path / "machine-a").stdout)
    assert [f["code"] for f in clean] == ["GL001"]
    # The repository now ships that cache, with every entry emptied: findings hidden.
    for entry in (repo / ".gradlint_cache" / "entries").glob("*/*.json"):
        entry.write_text('{"findings": []}')
    shipped = json.loads(_cached_lint(repo, tmp_path / "machine-b").stdout)
    assert [f["code"] for f in shipped] == ["GL001"]


@pytest.mark.parametrize(
    "field, raw_json",
    [
        ("message", '"fine\\n::error file=x.py,line=1::injected"'),
        ("message", '"\\u001b[2Jcleared"'),
        ("line", "1" * 5000),
        ("line", '"8"'),
        ("code", '"XX999"'),
        ("severity", '{"nested": [1]}'),
    ],
    ids=["newline", "escape", "huge-int", "string-int", "code", "nested"],
)
def test_every_field_read_from_the_cache_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, raw_json: str
) -> None:
    import json

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    repo = _frozen_tree(tmp_path)
    cold = lint(repo, use_cache=True)
    for entry in (repo / ".gradlint_cache" / "entries").glob("*/*.json"):
        data = json.loads(entry.read_text())
        for item in data["findings"]:
            item[field] = "@@"
        entry.write_text(json.dumps(data).replace('"@@"', raw_json))
    assert lint(repo, use_cache=True) == cold


def test_a_linked_cache_folder_is_neither_written_nor_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    repo = _frozen_tree(tmp_path)
    victim = tmp_path / "victim"
    (victim / "ab").mkdir(parents=True)
    precious = victim / "ab" / "notes.txt"
    precious.write_text("keep me")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(precious, (month_ago, month_ago))
    (repo / ".gradlint_cache").mkdir()
    (repo / ".gradlint_cache" / "entries").symlink_to(victim, target_is_directory=True)
    assert [f.code for f in lint(repo, use_cache=True)] == ["GL001"]
    assert precious.read_text() == "keep me"
    assert sorted(p.name for p in victim.rglob("*")) == ["ab", "notes.txt"]


# --------------------------------------------------------------------------------------------
# 5. and 6. --fix keeps concurrent edits and the file's identity.

FIXED_COMMENTED = COMMENTED.replace("    # optimizer", "    optimizer")


def _fix(cwd: Path, *paths: str) -> subprocess.CompletedProcess:
    return gradlint("--no-cache", "--fix", *paths, cwd=cwd)


def test_an_edit_saved_while_fix_reanalyzes_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradlint import api, fixing

    target = tmp_path / "step.py"
    target.write_text(COMMENTED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    findings = api.lint_paths(["step.py"], Settings(root=tmp_path, use_cache=False)).findings
    real = fixing._current_findings
    saved = COMMENTED + "\n# saved by the user meanwhile\n"

    def user_saves_meanwhile(unit, wanted, *codes):
        fresh = real(unit, wanted, *codes)
        target.write_text(saved, encoding="utf-8")
        return fresh

    monkeypatch.setattr(fixing, "_current_findings", user_saves_meanwhile)
    outcome = fixing.apply_fixes(findings, write=True)
    assert target.read_text(encoding="utf-8") == saved
    assert outcome.fixed == 0
    assert outcome.errors == [
        "step.py: not fixed: the file changed while it was being fixed; run --fix again"
    ]


def test_fix_through_a_symlink_fixes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "step.py"
    target.write_text(COMMENTED, encoding="utf-8")
    (tmp_path / "link.py").symlink_to("real/step.py")
    done = _fix(tmp_path, "link.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "link.py").is_symlink()
    assert target.read_text(encoding="utf-8") == FIXED_COMMENTED


def test_fix_leaves_a_read_only_file_alone_with_a_message(tmp_path: Path) -> None:
    target = tmp_path / "step.py"
    target.write_text(COMMENTED, encoding="utf-8")
    target.chmod(0o444)
    done = _fix(tmp_path, "step.py")
    assert target.read_text(encoding="utf-8") == COMMENTED
    assert "step.py: not fixed: the file is read-only" in done.stderr
    assert done.returncode == 1


def test_fix_does_not_split_hard_links(tmp_path: Path) -> None:
    target = tmp_path / "step.py"
    target.write_text(COMMENTED, encoding="utf-8")
    os.link(target, tmp_path / "other_name.txt")
    done = _fix(tmp_path, "step.py")
    assert os.stat(target).st_ino == os.stat(tmp_path / "other_name.txt").st_ino
    assert target.read_text(encoding="utf-8") == COMMENTED
    assert "step.py: not fixed: the file has 2 hard links" in done.stderr


def test_fix_keeps_mode_and_owner(tmp_path: Path) -> None:
    target = tmp_path / "step.py"
    target.write_text(COMMENTED, encoding="utf-8")
    target.chmod(0o640)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        os.chown(target, 4321, 4321)
    done = _fix(tmp_path, "step.py")
    assert done.returncode == 0, done.stderr
    info = os.stat(target)
    assert target.read_text(encoding="utf-8") == FIXED_COMMENTED
    assert info.st_mode & 0o777 == 0o640
    if as_root:
        assert (info.st_uid, info.st_gid) == (4321, 4321)


# --------------------------------------------------------------------------------------------
# 7. Any per-file failure is a GL000 for that file.


def test_a_notebook_with_a_huge_integer_is_still_analyzed(tmp_path: Path) -> None:
    import json

    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [],
                "source": FROZEN.splitlines(True),
            }
        ],
        "metadata": {"big": 0},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(notebook).replace('"big": 0', '"big": ' + "7" * 5000)
    (tmp_path / "big.ipynb").write_text(text, encoding="utf-8")
    done = gradlint("--no-cache", "big.ipynb", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "big.ipynb:cell 1:8:13: GL001" in done.stdout


def test_a_failure_while_reading_one_file_is_a_gl000_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("bad.py", "fine.py"):
        (tmp_path / name).write_text(f"# {name}\n" + FROZEN, encoding="utf-8")
    real = runner.load_source

    def failing(fs_path, display_path, required=None):
        if str(fs_path).endswith("bad.py"):
            raise ValueError("simulated")
        return real(fs_path, display_path, required)

    monkeypatch.setattr(runner, "load_source", failing)
    by_file = {Path(f.path).name: f for f in lint(tmp_path, jobs=1, use_cache=False)}
    assert by_file["bad.py"].message.startswith("internal error: ValueError: simulated")
    assert by_file["fine.py"].code == "GL001"


# --------------------------------------------------------------------------------------------
# 8. Only regular files are read, and configuration files only up to a bound.


def test_a_fifo_named_on_the_command_line_is_a_gl000_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "fine.py").write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", "x.py", "fine.py", cwd=tmp_path, timeout=60)
    assert "x.py:1:1: GL000 cannot read: not a regular file (a FIFO)" in done.stdout
    assert "fine.py:8:13: GL001" in done.stdout


def test_a_fifo_setup_cfg_in_a_parent_does_not_hang_the_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "setup.cfg")
    inner = tmp_path / "project"
    inner.mkdir()
    (inner / "clean.py").write_text("x = 1\n", encoding="utf-8")
    done = gradlint("--no-cache", "clean.py", cwd=inner, timeout=60)
    assert done.returncode == 0, done.stderr
    (inner / "step.py").write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", ".", cwd=inner, timeout=60)
    assert done.returncode == 1, done.stderr


def test_a_pyproject_linked_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").symlink_to("/dev/zero")
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    done = gradlint("--no-cache", "clean.py", cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    done = gradlint("--no-cache", "--config", "pyproject.toml", "clean.py", cwd=tmp_path)
    assert done.returncode == 2 and "pyproject.toml" in done.stderr


def test_a_huge_configuration_file_is_refused(tmp_path: Path) -> None:
    from gradlint.config import ConfigError, read_table

    big = tmp_path / "pyproject.toml"
    big.write_text("[tool.gradlint]\n" + "# padding\n" * 600_000)
    with pytest.raises(ConfigError, match="larger than 4 MiB"):
        read_table(big, required=True)


def test_dev_zero_through_a_py_link_is_a_gl000(tmp_path: Path) -> None:
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    done = gradlint("--no-cache", "zero.py", cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "zero.py:1:1: GL000 cannot read: not a regular file (a device)" in done.stdout
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------------------------
# 15. python -m gradlint never imports modules from the folder it runs in.


def test_python_m_gradlint_ignores_a_click_py_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "click.py").write_text("raise SystemExit('hijacked by ./click.py')\n")
    (tmp_path / "step.py").write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", "--format", "json", "step.py", cwd=tmp_path)
    assert "hijacked" not in done.stderr + done.stdout
    assert done.returncode == 1, done.stderr


# --------------------------------------------------------------------------------------------
# 12. File names are escaped in every format.

HOSTILE_NAME = "evil\n::error file=x.py,line=1::forged\x1b[2J\u009b.py"


@pytest.mark.parametrize("output_format", ["text", "github", "json", "sarif", "gitlab", "junit"])
def test_a_file_name_cannot_forge_report_lines_or_reach_the_terminal(
    tmp_path: Path, output_format: str
) -> None:
    (tmp_path / HOSTILE_NAME).write_text(FROZEN, encoding="utf-8")
    done = gradlint("--no-cache", "--format", output_format, ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "\x1b" not in done.stdout and "\u009b" not in done.stdout
    forged = [line for line in done.stdout.splitlines() if "forged" in line]
    assert forged and not any(line.lstrip().startswith("::error file=x.py") for line in forged)
    if output_format == "text":
        assert forged[0].startswith("evil\\n::error file=x.py,line=1::forged\\x1b[2J\\x9b.py:8:13")


def test_fix_messages_escape_file_names(tmp_path: Path) -> None:
    (tmp_path / HOSTILE_NAME).write_text(COMMENTED, encoding="utf-8")
    done = _fix(tmp_path, ".")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "fixed 1 in evil\\n::error" in done.stderr


# --------------------------------------------------------------------------------------------
# 11. Indentation that mixes tabs and spaces the way CPython accepts is analyzed.


@pytest.mark.parametrize("outer, inner", [(" ", "\t "), ("    ", "\t    "), (" \t", "\t    ")])
def test_tab_then_space_indentation_is_analyzed_like_any_other(outer: str, inner: str) -> None:
    import ast

    text = (
        "import tensorflow as tf\n\n"
        "optimizer = tf.keras.optimizers.SGD()\n"
        "def train_step(model, x, y):\n"
        f"{outer}with tf.GradientTape() as tape:\n"
        f"{inner}loss = model(x)\n"
        f"{outer}grads = tape.gradient(loss, model.trainable_variables)\n"
        f"{outer}return loss\n"
    )
    ast.parse(text)  # CPython accepts it
    found = engine.analyze_unit(SourceUnit(path="t.py", text=text), ALL)
    assert [(f.code, f.line, f.column) for f in found] == [("GL001", 7, len(outer) + 9)]


# --------------------------------------------------------------------------------------------
# 9. The confirmer leaves no process behind, however the run ends.

_SPAWNER = """\
import os, subprocess, sys, time
grandchild = subprocess.Popen(["sleep", "300"])
daemon = subprocess.Popen(["sleep", "301"], start_new_session=True)
with open(sys.argv[1], "w") as pids:
    pids.write(f"{grandchild.pid} {daemon.pid}")
if sys.argv[2] == "wait":
    time.sleep(300)
sys.exit(3)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pids: list[int], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def _spawned(pid_file: Path) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().count(" ") == 1:
            return [int(p) for p in pid_file.read_text().split()]
        time.sleep(0.05)
    raise AssertionError("the script did not start")


@linux_only
def test_the_supervisor_kills_a_setsid_daemon_and_keeps_the_exit_status(tmp_path: Path) -> None:
    script = tmp_path / "spawner.py"
    script.write_text(_SPAWNER)
    read_end, write_end = os.pipe()
    done = subprocess.run(
        [sys.executable, "-m", "gradlint.runtime_check.supervise", str(read_end), "--"]
        + [sys.executable, str(script), str(tmp_path / "pids"), "exit"],
        pass_fds=(read_end,),
        timeout=60,
    )
    os.close(read_end)
    os.close(write_end)
    assert done.returncode == 3
    assert _wait_gone(_spawned(tmp_path / "pids"))


@linux_only
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_confirmer_kills_the_script_and_all_it_started(
    tmp_path: Path, signum: int
) -> None:
    """The parent (standing in for ``gradlint confirm``) starts the probe the way the
    runner does, and is killed while the script runs."""
    script = tmp_path / "spawner.py"
    script.write_text(_SPAWNER)
    parent_code = f"""
import os, subprocess, sys, time
from gradlint.runtime_check import runner
child = runner._Child(runner.RunRequest(script={str(script)!r}), "cpu", None)
child.command = lambda fd, deadline: [sys.executable, "-m", "gradlint.runtime_check.supervise",
    str(child.lifeline), "--", sys.executable, {str(script)!r}, {str(tmp_path / "pids")!r}, "wait"]
child.run()
"""
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    pids = _spawned(tmp_path / "pids")
    os.kill(parent.pid, signum)
    parent.wait(30)
    assert _wait_gone(pids)


# --------------------------------------------------------------------------------------------
# 14. --fix is idempotent: what the first fix reveals is fixed in the same run.


def test_fixing_twice_changes_nothing_the_second_time() -> None:
    from fix_fuzz import not_idempotent

    assert not_idempotent(120, seed=18) == []


def test_an_uncommented_swapped_update_is_fixed_in_one_run(tmp_path: Path) -> None:
    swapped = COMMENTED.replace(
        "zip(grads, model.trainable_variables)", "zip(model.trainable_variables, grads)"
    )
    (tmp_path / "step.py").write_text(swapped, encoding="utf-8")
    first = _fix(tmp_path, "step.py")
    assert "(GL002, GL005)" in first.stderr, first.stderr
    assert (tmp_path / "step.py").read_text(encoding="utf-8") == FIXED_COMMENTED
    second = _fix(tmp_path, "step.py")
    assert second.returncode == 0 and "fixed" not in second.stderr


# --------------------------------------------------------------------------------------------
# 10. No step grows with (statements x commented-out updates).


def test_commented_out_updates_in_a_script_are_checked_in_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gradlint.analyzer import comments

    calls = []
    real = comments._first_line

    def counted(ctx, stmt):
        calls.append(1)
        return real(ctx, stmt)

    monkeypatch.setattr(comments, "_first_line", counted)
    count = 200
    text = (
        "import tensorflow as tf\n"
        "opt = tf.keras.optimizers.SGD()\n"
        "m = tf.keras.layers.Dense(1)\n"
        "with tf.GradientTape() as t:\n"
        "    l = m(1)\n"
        "g = t.gradient(l, m.trainable_variables)\n"
    ) + "".join(
        f"x{i} = {i}\n# opt.apply_gradients(zip(g, m.trainable_variables))\n" for i in range(count)
    )
    found = engine.analyze_unit(SourceUnit(path="script.py", text=text), ["GL002"])
    assert len(found) == count and all(f.fix is not None for f in found)
    assert len(calls) <= 2 * (count + 6)  # once per statement, not once per comment
