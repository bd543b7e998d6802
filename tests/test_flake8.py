"""The flake8 plugin, through real flake8: same findings at the same positions as gradlint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from frozen_sources import FROZEN_STEP_TEMPLATE as FROZEN

pytest.importorskip("flake8")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def flake8(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "GL", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def gradlint_json(*paths: str, cwd: Path = ROOT) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "--isolated", "--format", "json", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_plugin_is_registered():
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, timeout=60
    )
    assert "gradlint-ml" in result.stdout, (
        "flake8 does not list the gradlint plugin; reinstall the project (pip install -e .) "
        "so the flake8.extension entry point is registered"
    )


def test_examples_same_findings_same_positions():
    paths = [str(p.relative_to(ROOT)) for p in EXAMPLES]
    result = flake8("--format=%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s", *paths)
    got = sorted(tuple(line.split("\t")) for line in result.stdout.splitlines())
    expected = sorted(
        (f["path"], str(f["line"]), str(f["column"]), f["code"], f["message"])
        for f in gradlint_json(*paths)
    )
    assert ("examples/frozen_loop.py", "29", "13", "GL001") in {g[:4] for g in got}
    assert got == expected
    assert result.returncode == 1


def test_default_format_matches_gradlint_text(tmp_path):
    (tmp_path / "t.py").write_text(FROZEN.format(comment=""))
    result = flake8("t.py", cwd=tmp_path)
    text = subprocess.run(
        [sys.executable, "-m", "gradlint", "--isolated", "-q", "t.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert result.stdout == text
    assert result.stdout.startswith("t.py:8:13: GL001 gradients 'grads'")


def test_correct_example_is_clean():
    result = flake8("examples/correct_loop.py")
    assert (result.returncode, result.stdout) == (0, "")


def test_noqa_is_honoured(tmp_path):
    (tmp_path / "t.py").write_text(FROZEN.format(comment="  # noqa: GL001"))
    assert flake8("t.py", cwd=tmp_path).stdout == ""


def test_stdin(tmp_path):
    result = flake8(
        "--stdin-display-name=step.py", "-", cwd=tmp_path, stdin=FROZEN.format(comment="")
    )
    assert result.stdout.startswith("step.py:8:13: GL001 ")


def test_syntax_error_is_flake8s_e999_not_a_crash(tmp_path):
    (tmp_path / "t.py").write_text("import tensorflow as tf\ndef f(:\n  tf.GradientTape()\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "GL,E9", "t.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "E999" in result.stdout
    assert "Traceback" not in result.stderr
