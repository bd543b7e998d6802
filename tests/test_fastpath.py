"""The entry point's fast path must give exactly the answer of the full command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradlint.fastpath import PREFILTER_TOKENS, _can_answer_fast
from gradlint.rules import all_rules

RUN = [sys.executable, "-m", "gradlint"]


def test_prefilter_tokens_cover_every_rule() -> None:
    """Every rule on by default (the fast path never runs with a selection or a config)."""
    required = {
        token for rule in all_rules() if rule.default_enabled for token in rule.required_text
    }
    assert required == set(PREFILTER_TOKENS)


def test_fast_answer_matches_full_answer(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("def f():\n    return 2\n")
    fast = subprocess.run([*RUN, "a.py", "b.py"], cwd=tmp_path, capture_output=True, text=True)
    full = subprocess.run(
        [*RUN, "--no-cache", "a.py", "b.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout)
    assert fast.stdout == "All checks passed (2 files checked).\n"


@pytest.mark.parametrize(
    ("name", "content", "args"),
    [
        ("t.py", "import tensorflow as tf\nwith tf.GradientTape() as t: pass\n", None),
        ("n.ipynb", "{}", None),
        ("l.py", "# caf\xe9\n", None),
        ("x.py", "x = 1\n", ["--format", "json", "x.py"]),
        ("x.py", "x = 1\n", ["missing.py"]),
        ("x.py", "x = 1\n", ["."]),
    ],
)
def test_everything_else_takes_the_full_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: str, args: list[str] | None
) -> None:
    encoding = "latin-1" if "\xe9" in content else "utf-8"
    (tmp_path / name).write_bytes(content.encode(encoding))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert not _can_answer_fast(args or [name])


def test_a_config_file_disables_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert _can_answer_fast(["x.py"])
    (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\nselect = ['GL']\n")
    assert not _can_answer_fast(["x.py"])


def test_fast_path_does_not_import_click_or_libcst(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    probe = (
        "import sys; sys.argv = ['gradlint', 'a.py']\nfrom gradlint.fastpath import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('click', 'libcst') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert out.splitlines()[-1] == "[]"


@pytest.mark.parametrize("flags", [["--no-cache"], ["-q"], ["--quiet", "--exit-zero"]])
def test_harmless_flags_keep_the_same_answer(tmp_path: Path, flags: list[str]) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    fast = subprocess.run([*RUN, *flags, "a.py"], cwd=tmp_path, capture_output=True, text=True)
    full = subprocess.run(
        [*RUN, *flags, "--isolated", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout)


def test_force_exclude_keeps_the_fast_answer_and_counts_only_kept_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "b.py").write_text("y = 2\n")
    fast = subprocess.run(
        [*RUN, "--force-exclude", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert fast.stdout == "All checks passed (1 file checked).\n"
    dropped = subprocess.run(
        [*RUN, "--force-exclude", "a.py", "build/b.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (dropped.returncode, dropped.stdout) == (0, "All checks passed (1 file checked).\n")
