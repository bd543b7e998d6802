"""The findings cache: hits, misses, corruption, pruning, concurrency and --no-cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradlint import cache as cache_module
from gradlint import runner
from gradlint.analyzer.findings import Edit, Finding, Fix
from gradlint.cache import Cache
from gradlint.discovery import collect_files
from gradlint.rules import RULE_MODULES
from gradlint.settings import Settings

ALL = list(RULE_MODULES)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def lint(root: Path, **settings) -> list[Finding]:
    config = Settings(root=root, **settings)
    files = collect_files([str(root)], config.exclude, root)
    return runner.run(files, ALL, config)


def copy_examples(root: Path) -> None:
    for path in EXAMPLES.glob("*.py"):
        (root / path.name).write_bytes(path.read_bytes())


def entries(root: Path) -> list[Path]:
    return sorted((root / ".gradlint_cache" / "entries").glob("*/*.json"))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the analyzer really ran on (cache misses)."""
    analyzed: list[str] = []
    real = runner.analyze_units

    def spy(units, codes, jobs=None, pool=None):
        units = list(units)
        analyzed.extend(unit.path for unit in units)
        return real(units, codes, 1)

    monkeypatch.setattr(runner, "analyze_units", spy)
    return analyzed


def test_warm_run_analyzes_nothing_and_reports_the_same(tmp_path: Path, counted) -> None:
    copy_examples(tmp_path)
    cold = lint(tmp_path)
    assert len(counted) == 3 and len(entries(tmp_path)) == 3
    counted.clear()
    assert lint(tmp_path) == cold
    assert counted == []
    assert (tmp_path / ".gradlint_cache" / "CACHEDIR.TAG").is_file()
    assert (tmp_path / ".gradlint_cache" / ".gitignore").read_text().endswith("*\n")


def test_changed_file_settings_or_codes_miss(tmp_path: Path, counted) -> None:
    copy_examples(tmp_path)
    lint(tmp_path)
    counted.clear()
    frozen = tmp_path / "frozen_loop.py"
    frozen.write_text(frozen.read_text() + "\n# edited\n")
    lint(tmp_path)
    assert [Path(p).name for p in counted] == ["frozen_loop.py"]
    counted.clear()
    lint(tmp_path, per_file_ignores={"x.py": ["GL001"]})  # another configuration
    assert len(counted) == 3


def test_the_key_covers_version_config_codes_kind_and_content(tmp_path: Path) -> None:
    base = Cache.open(tmp_path / "c", "cfg", ["GL001"])
    assert base is not None
    key = base.key("python", b"x = 1\n")
    assert key == base.key("python", b"x = 1\n")
    assert key != base.key("python", b"x = 2\n")
    assert key != base.key("notebook", b"x = 1\n")
    for other in (
        Cache.open(tmp_path / "c", "other cfg", ["GL001"]),
        Cache.open(tmp_path / "c", "cfg", ["GL001", "GL002"]),
    ):
        assert other is not None and other.key("python", b"x = 1\n") != key
    original = cache_module.__version__
    try:
        cache_module.__version__ = "999"
        bumped = Cache.open(tmp_path / "c", "cfg", ["GL001"])
    finally:
        cache_module.__version__ = original
    assert bumped is not None and bumped.key("python", b"x = 1\n") != key


def test_a_renamed_file_hits_and_gets_its_new_path(tmp_path: Path, counted) -> None:
    copy_examples(tmp_path)
    lint(tmp_path)
    counted.clear()
    (tmp_path / "frozen_loop.py").rename(tmp_path / "renamed.py")
    findings = lint(tmp_path)
    assert counted == []
    assert any(f.path.endswith("renamed.py") for f in findings)


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"findings": [{"code": 1}]}', b"\xff"])
def test_a_corrupt_entry_is_a_miss_and_is_rewritten(
    tmp_path: Path, counted, garbage: bytes
) -> None:
    copy_examples(tmp_path)
    cold = lint(tmp_path)
    for entry in entries(tmp_path):
        entry.write_bytes(garbage)
    counted.clear()
    assert lint(tmp_path) == cold
    assert len(counted) == 3
    for entry in entries(tmp_path):
        json.loads(entry.read_bytes())


def test_findings_with_fixes_round_trip(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c", "cfg", ALL)
    assert cache is not None
    finding = Finding(
        code="GL005",
        message="swapped",
        path="old/path.py",
        line=3,
        column=5,
        end_line=3,
        end_column=40,
        cell=2,
        fix=Fix("swap", (Edit(3, 5, 3, 40, "zip(g, v)", cell=2),)),
        file_line=17,
        file_end_line=17,
    )
    cache.put("a" * 64, [finding])
    (restored,) = cache.get("a" * 64, "new/path.py") or []
    assert restored.path == "new/path.py"
    assert restored == Finding(**{**finding.__dict__, "path": "new/path.py"})
    assert restored.fix == finding.fix


def test_prune_removes_entries_unused_for_a_week(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    lint(tmp_path)
    old, *fresh = entries(tmp_path)
    week_ago = time.time() - cache_module.MAX_AGE_SECONDS - 60
    os.utime(old, (week_ago, week_ago))
    cache = Cache.open(tmp_path / ".gradlint_cache", "cfg", ALL)
    assert cache is not None
    assert cache.prune() == 0  # pruned less than a day ago (by the run above)
    assert cache.prune(now=time.time()) == 1
    assert entries(tmp_path) == fresh


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert not (tmp_path / ".gradlint_cache").exists()


def test_unwritable_cache_folder_is_not_an_error(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder should be")
    findings = lint(tmp_path, cache_dir=blocker / "cache")
    assert {f.code for f in findings} == {"GL001", "GL002"}


def test_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    for i in range(6):
        (tmp_path / f"copy{i}.py").write_text(
            (EXAMPLES / "frozen_loop.py").read_text() + f"\n# {i}\n"
        )
    command = [sys.executable, "-m", "gradlint", "--format", "json", "-j", "1", "."]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outputs = [run.communicate()[0] for run in runs]
    assert all(run.returncode == 1 for run in runs)
    # 7 frozen loops (GL001 and GL002 each) and the GAN's dropped discriminator (GL001)
    assert len({*outputs}) == 1 and len(json.loads(outputs[0])) == 15
    assert not list((tmp_path / ".gradlint_cache").rglob("*.tmp"))
    for entry in entries(tmp_path):
        json.loads(entry.read_bytes())
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert again.stdout == outputs[0]


@pytest.fixture
def age(monkeypatch: pytest.MonkeyPatch):
    """Make every file look modified a minute ago. The index skips files whose modification
    or change time is fresh, and a change time cannot be set: the margin is lifted."""

    def make_old(root: Path) -> None:
        monkeypatch.setattr(cache_module, "RACY_NS", 0)
        past = time.time() - 60
        for path in root.glob("*.py"):
            os.utime(path, (past, past))

    return make_old


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Display paths of the files a run really read."""
    read: list[str] = []
    real = runner.load_source

    def spy(fs_path, display_path, required=None):
        read.append(Path(display_path).name)
        return real(fs_path, display_path, required)

    monkeypatch.setattr(runner, "load_source", spy)
    return read


def test_a_warm_run_does_not_read_unchanged_files(tmp_path: Path, reads, counted, age) -> None:
    copy_examples(tmp_path)
    (tmp_path / "plain.py").write_text("print('no tape here')\n")
    age(tmp_path)
    cold = lint(tmp_path)
    assert sorted(reads) == [
        "correct_loop.py",
        "frozen_loop.py",
        "gan_one_tape_dropped.py",
        "plain.py",
    ]
    reads.clear()
    counted.clear()
    assert lint(tmp_path) == cold
    assert reads == [] and counted == []


def test_a_changed_file_is_read_again_even_with_the_same_size(
    tmp_path: Path, reads, counted, age
) -> None:
    copy_examples(tmp_path)
    age(tmp_path)
    cold = lint(tmp_path)
    assert any(f.path.endswith("frozen_loop.py") for f in cold)
    frozen = tmp_path / "frozen_loop.py"
    text = frozen.read_text()
    fixed = text.replace("    # optimizer.apply_gradients(", "    optimizer.apply_gradients(  ")
    assert len(fixed) == len(text) and fixed != text
    frozen.write_text(fixed)
    reads.clear()
    warm = lint(tmp_path)
    assert reads == ["frozen_loop.py"]
    assert not any(f.path.endswith("frozen_loop.py") for f in warm)


def test_files_modified_just_now_are_not_indexed(tmp_path: Path, reads) -> None:
    """A second change within the same time-stamp tick must not be missed."""
    copy_examples(tmp_path)
    lint(tmp_path)
    reads.clear()
    lint(tmp_path)
    assert len(reads) == 3


def test_a_corrupt_index_or_a_lost_entry_is_a_miss(tmp_path: Path, reads, counted, age) -> None:
    copy_examples(tmp_path)
    age(tmp_path)
    cold = lint(tmp_path)
    [index] = (tmp_path / ".gradlint_cache" / "index").glob("*.json")
    for damage in ("{not json", "[" * 100_000):  # the second: too deep for the decoder
        index.write_text(damage)
        reads.clear()
        assert lint(tmp_path) == cold
        assert len(reads) == 3
    for entry in entries(tmp_path):
        entry.unlink()
    reads.clear()
    counted.clear()
    assert lint(tmp_path) == cold
    assert len(reads) == 3 and len(counted) == 3


def test_a_file_copied_with_its_old_time_stamp_is_not_indexed_at_once(
    tmp_path: Path, reads
) -> None:
    """``cp -p`` keeps the modification time; the fresh change time still counts."""
    copy_examples(tmp_path)
    past = time.time() - 60
    for path in tmp_path.glob("*.py"):
        os.utime(path, (past, past))
    lint(tmp_path)
    reads.clear()
    lint(tmp_path)
    assert len(reads) == 3


def test_turning_slicing_off_does_not_reuse_the_sliced_run_s_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GRADLINT_SLICING=0 exists to check that slicing changes nothing: it must recompute."""
    on = Settings().cache_key()
    monkeypatch.setenv("GRADLINT_SLICING", "0")
    assert Settings().cache_key() != on
