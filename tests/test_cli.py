"""The command line as users meet it: paths, options, output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

FROZEN = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.SGD()

def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)
    print(loss)
    return loss
"""
CORRECT = FROZEN.replace(
    "    print(loss)", "    optimizer.apply_gradients(zip(grads, model.trainable_variables))"
)


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "frozen.py").write_text(FROZEN)
    (tmp_path / "pkg" / "correct.py").write_text(CORRECT)
    (tmp_path / "notes.txt").write_text("not python")
    return tmp_path


def test_examples_report_exactly_the_expected_findings() -> None:
    code, out, _ = run([str(EXAMPLES), "--format", "json"])
    assert code == 1
    found = sorted((Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(out))
    assert found == [
        ("frozen_loop.py", 29, "GL001"),
        ("frozen_loop.py", 30, "GL002"),
        ("gan_one_tape_dropped.py", 33, "GL001"),
    ]


def test_text_output_lines_and_summary(project: Path) -> None:
    code, out, _ = run(["pkg"], cwd=project)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("pkg/frozen.py:8:13: GL001 gradients 'grads' of ")
    assert "(add optimizer.apply_gradients(zip(grads, model.trainable_variables)))" in lines[0]
    assert lines[-1] == "Found 1 problem in 1 file (2 files checked)."


def test_clean_tree_exits_zero_with_summary(project: Path) -> None:
    code, out, _ = run(["pkg/correct.py"], cwd=project)
    assert (code, out) == (0, "All checks passed (1 file checked).\n")


def test_default_path_is_current_folder(project: Path) -> None:
    code, out, _ = run([], cwd=project)
    assert code == 1 and "pkg/frozen.py:8:13: GL001" in out


def test_json_has_exactly_the_documented_keys(project: Path) -> None:
    _, out, _ = run(["--format", "json", "pkg"], cwd=project)
    (finding,) = json.loads(out)
    assert set(finding) == {
        "code",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "cell",
        "severity",
        "fix",
        "url",
    }
    assert finding["url"].endswith("/docs/rules.md#gl001")
    assert finding["path"] == "pkg/frozen.py"
    assert (finding["line"], finding["column"], finding["end_line"]) == (8, 13, 8)
    assert finding["end_column"] == 59
    assert finding["cell"] is None and finding["severity"] == "error"


def test_json_without_findings_is_an_empty_array(project: Path) -> None:
    code, out, _ = run(["--format", "json", "pkg/correct.py"], cwd=project)
    assert code == 0 and json.loads(out) == []


def test_findings_sorted_by_path_then_position(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(FROZEN)
    (tmp_path / "a.py").write_text(FROZEN + "\n" + FROZEN.split("\n", 3)[3])
    _, out, _ = run(["-q", "."], cwd=tmp_path)
    keys = [line.split(": GL")[0] for line in out.splitlines()]
    assert keys == ["a.py:8:13", "a.py:16:13", "b.py:8:13"]


def test_select_and_ignore(project: Path) -> None:
    assert run(["--ignore", "GL001", "pkg"], cwd=project)[0] == 0
    assert run(["--select", "GL0", "pkg"], cwd=project)[0] == 1
    assert run(["--select", "GL000", "pkg"], cwd=project)[0] == 0
    assert run(["--select", "gl001", "--ignore", "GL001", "pkg"], cwd=project)[0] == 0


def test_unknown_code_is_a_usage_error(project: Path) -> None:
    code, _, err = run(["--select", "XX9", "pkg"], cwd=project)
    assert code == 2 and "unknown rule code or prefix 'XX9'" in err


def test_exit_zero_and_quiet(project: Path) -> None:
    code, out, _ = run(["--exit-zero", "-q", "pkg"], cwd=project)
    assert code == 0
    assert len(out.splitlines()) == 1 and "GL001" in out


def test_missing_path_is_a_finding_and_the_others_are_still_checked(project: Path) -> None:
    code, out, err = run(["nope/", "pkg"], cwd=project)
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert "nope:1:1: GL000 no such file or directory" in lines
    assert any(line.startswith("pkg/frozen.py:8:13: GL001 ") for line in lines)
    assert lines[-1] == "Found 2 problems in 2 files (2 files checked)."


def test_excluded_folders_are_skipped_unless_named(project: Path) -> None:
    for folder in (".venv", "build", "__pycache__", ".git", "dist"):
        (project / folder).mkdir()
        (project / folder / "x.py").write_text(FROZEN)
    _, out, _ = run(["-q", "."], cwd=project)
    assert out.count("GL001") == 1
    code, out, _ = run(["-q", "build/x.py"], cwd=project)
    assert code == 1 and out.startswith("build/x.py:8:13: GL001")


def test_rule_docs_have_the_four_sections() -> None:
    code, out, _ = run(["rule", "gl001"])
    assert code == 0
    for heading in (
        "# unapplied-gradients (GL001)",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
    ):
        assert heading in out


def test_unknown_rule_is_a_usage_error() -> None:
    code, _, err = run(["rule", "GL999"])
    assert code == 2 and "unknown rule 'GL999'" in err


def test_rules_lists_every_registered_rule() -> None:
    from gradlint.rules import RULE_MODULES

    _, out, _ = run(["rules"])
    assert [line.split()[0] for line in out.splitlines()] == list(RULE_MODULES)


def test_unparsable_file_is_gl000_and_others_still_checked(project: Path) -> None:
    (project / "pkg" / "broken.py").write_text("def f(:\n    tf.GradientTape()\n")
    (project / "pkg" / "unrelated_broken.py").write_text("def f(:\n    pass\n")
    _, out, _ = run(["-q", "pkg"], cwd=project)
    assert "pkg/broken.py:1:7: GL000 syntax error" in out
    assert "pkg/frozen.py:8:13: GL001" in out
    # A file that cannot contain a finding is never parsed (the prefilter), so it is not GL000.
    assert "unrelated_broken" not in out


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("gradlint 0.")


def test_static_path_never_imports_tensorflow(project: Path) -> None:
    probe = (
        "import sys; from gradlint.cli import main\n"
        "try:\n    main(['pkg'])\nexcept SystemExit:\n    pass\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip().endswith("ok"), result.stderr


def test_install_requires_has_no_tensorflow() -> None:
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = config["options"]["install_requires"]
    assert "tensorflow" not in required
    assert "libcst" in required and "click" in required
    assert "tensorflow" in config["options.extras_require"]["runtime"]


def test_internal_error_is_one_line_and_exit_2(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradlint.api

    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(gradlint.api, "lint_paths", explode)
    code, out, err = run(["pkg"], cwd=project)
    assert code == 2 and out == ""
    assert err == (
        "gradlint: error: internal error: RuntimeError: boom "
        "(set GRADLINT_DEBUG=1 for a traceback)\n"
    )
