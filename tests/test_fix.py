"""``--fix``/``--diff``: fixes are applied safely, atomically and idempotently."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_notebooks_support import code, jupyter_bytes, md, notebook

from gradlint.analyzer.findings import Edit, Finding, Fix
from gradlint.cli import main
from gradlint.fixing import FixError, apply_edits, apply_fixes, fix_text

FROZEN = """\
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
FIXED = FROZEN.replace("    # optimizer", "    optimizer")
SWAPPED = FIXED.replace(
    "zip(grads, model.trainable_variables)", "zip(model.trainable_variables, grads)"
)


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [*args, "--no-cache"], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def lint(cwd: Path, *paths: str) -> list[dict]:
    _, out, _ = run([*paths, "--format", "json", "--exit-zero"], cwd)
    return json.loads(out)


def test_fix_uncomments_and_reports(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(FROZEN)
    code_, out, err = run(["step.py", "--fix"], tmp_path)
    assert (tmp_path / "step.py").read_text() == FIXED
    assert code_ == 0
    assert "Fixed 1 problem" in out
    assert "fixed 1 in step.py (GL002)" in err


def test_second_fix_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "step.py"
    target.write_text(FROZEN)
    run(["step.py", "--fix"], tmp_path)
    before = target.stat().st_mtime_ns
    code_, out, _ = run(["step.py", "--fix"], tmp_path)
    assert target.read_text() == FIXED
    assert target.stat().st_mtime_ns == before
    assert code_ == 0 and "Fixed" not in out


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(FROZEN)
    code_, out, _ = run(["step.py", "--diff"], tmp_path)
    assert code_ == 1
    assert out.startswith("--- a/step.py\n+++ b/step.py\n")
    assert "-    # optimizer.apply_gradients" in out
    assert "+    optimizer.apply_gradients" in out
    assert (tmp_path / "step.py").read_text() == FROZEN


def test_diff_without_fixes_is_empty_and_clean(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(FIXED)
    assert run(["step.py", "--diff"], tmp_path)[:2] == (0, "")


def test_fix_and_diff_together_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(FROZEN)
    assert run(["step.py", "--fix", "--diff"], tmp_path)[0] == 2


def test_swap_fix(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(SWAPPED)
    run(["step.py", "--fix"], tmp_path)
    assert (tmp_path / "step.py").read_text() == FIXED


def test_keeps_crlf_encoding_bom_and_permissions(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + FROZEN
    target = tmp_path / "step.py"
    target.write_bytes(source.replace("\n", "\r\n").encode("latin-1"))
    target.chmod(0o640)
    run(["step.py", "--fix"], tmp_path)
    expected = ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXED).replace("\n", "\r\n")
    assert target.read_bytes() == expected.encode("latin-1")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640

    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + SWAPPED.encode())
    run(["bom.py", "--fix"], tmp_path)
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()


def test_json_shows_the_fix(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(FROZEN)
    found = [f for f in lint(tmp_path, "step.py") if f["code"] == "GL002"]
    assert found[0]["fix"] == {
        "description": "uncomment the update",
        "edits": [
            {
                "line": 11,
                "column": 1,
                "end_line": 11,
                "end_column": 71,
                "content": "    optimizer.apply_gradients(zip(grads, model.trainable_variables))",
                "cell": None,
            }
        ],
    }


def test_unparsable_file_is_never_touched(tmp_path: Path) -> None:
    target = tmp_path / "broken.py"
    target.write_text("def f(:\n    # optimizer.apply_gradients(zip(grads, v))\n")
    finding = Finding(
        "GL002",
        "m",
        "broken.py",
        2,
        5,
        2,
        46,
        fix=Fix("uncomment", (Edit(2, 1, 2, 46, "    optimizer.apply_gradients(x)"),)),
    )
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        outcome = apply_fixes([finding], write=True)
    finally:
        os.chdir(old)
    assert outcome.fixed == 0
    assert outcome.errors == ["broken.py: not fixed: the file does not parse"]
    assert target.read_text().startswith("def f(:")


def test_result_that_does_not_parse_is_refused(tmp_path: Path, monkeypatch) -> None:
    import gradlint.fixing as fixing

    target = tmp_path / "step.py"
    target.write_text(FROZEN)
    bad = Finding(
        "GL002",
        "m",
        "step.py",
        11,
        5,
        11,
        71,
        fix=Fix("break it", (Edit(11, 1, 11, 71, "    optimizer.apply_gradients(("),)),
    )
    monkeypatch.setattr(fixing, "_current_findings", lambda unit, wanted, codes=None: [bad])
    monkeypatch.chdir(tmp_path)
    outcome = apply_fixes([bad], write=True)
    assert outcome.fixed == 0
    assert "would not parse" in outcome.errors[0]
    assert target.read_text() == FROZEN


def test_stale_findings_are_not_applied(tmp_path: Path, monkeypatch) -> None:
    """The file changed between the lint and the fix: only what is still found is fixed."""
    from gradlint import api

    target = tmp_path / "step.py"
    target.write_text(FROZEN)
    monkeypatch.chdir(tmp_path)
    findings = api.lint_paths(["step.py"]).findings
    target.write_text("\n\n" + FIXED)
    outcome = apply_fixes(findings, write=True)
    assert outcome.fixed == 0 and outcome.diff == ""
    assert target.read_text() == "\n\n" + FIXED


def test_unreadable_file_is_reported_not_raised(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    finding = Finding(
        "GL005", "m", "gone.py", 1, 1, 1, 2, fix=Fix("swap", (Edit(1, 1, 1, 2, "x"),))
    )
    outcome = apply_fixes([finding], write=True)
    assert outcome.errors and outcome.errors[0].startswith("gone.py: not fixed: cannot read")


def test_overlapping_fixes_apply_the_first_only() -> None:
    def finding(line: int, column: int, content: str) -> Finding:
        edit = Edit(1, 1, 1, 4, content)
        return Finding("GL005", "m", "x.py", line, column, 1, 4, fix=Fix("f", (edit,)))

    assert fix_text("abc = 1\n", [finding(1, 2, "yyy"), finding(1, 1, "xxx")]) == "xxx = 1\n"


def test_edits_apply_bottom_up_and_reject_bad_positions() -> None:
    text = "a = 1\r\nb = 2\r\n"
    edits = [Edit(1, 1, 1, 2, "aa"), Edit(2, 5, 2, 6, "22")]
    assert apply_edits(text, edits) == "aa = 1\r\nb = 22\r\n"
    with pytest.raises(FixError):
        apply_edits(text, [Edit(9, 1, 9, 1, "x")])
    with pytest.raises(FixError):
        apply_edits(text, [Edit(1, 40, 1, 41, "x")])


def _frozen_notebook() -> bytes:
    cells = FROZEN.split("\n\n\n")
    return jupyter_bytes(notebook(md("# Training"), code(cells[0]), code(cells[1])))


def test_notebook_fix_edits_only_the_cell(tmp_path: Path) -> None:
    target = tmp_path / "train.ipynb"
    raw = _frozen_notebook()
    target.write_bytes(raw)
    found = [f for f in lint(tmp_path, "train.ipynb") if f["code"] == "GL002"]
    assert found and found[0]["cell"] == 3
    assert found[0]["fix"]["edits"][0]["cell"] == 3
    code_, _, _ = run(["train.ipynb", "--fix"], tmp_path)
    assert code_ == 0
    after = json.loads(target.read_bytes())
    before = json.loads(raw)
    assert after["cells"][:2] == before["cells"][:2]
    assert "".join(after["cells"][2]["source"]) == FIXED.split("\n\n\n")[1]
    assert lint(tmp_path, "train.ipynb") == []
    # idempotent
    again = target.read_bytes()
    run(["train.ipynb", "--fix"], tmp_path)
    assert target.read_bytes() == again


def test_notebook_diff(tmp_path: Path) -> None:
    (tmp_path / "train.ipynb").write_bytes(_frozen_notebook())
    code_, out, _ = run(["train.ipynb", "--diff"], tmp_path)
    assert code_ == 1
    assert '-    "    # optimizer.apply_gradients' in out
    assert '+    "    optimizer.apply_gradients' in out
