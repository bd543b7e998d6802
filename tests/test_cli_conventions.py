"""ruff users' habits, each run through the real ``gradlint`` command in a subprocess.

Excludes for named files, missing paths, output files, help and version, stdin, syntax
checking, baselines, statistics, fixes, rule selection, gitignore, ``--add-noqa``, colour,
``clean`` and shell completion.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FROZEN = (ROOT / "examples" / "frozen_loop.py").read_text()
GAN = (ROOT / "examples" / "gan_one_tape_dropped.py").read_text()
SWAPPED = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.SGD()


def train_step(model, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(model.trainable_variables, grads))
"""


def gl(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gradlint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "frozen.py").write_text(FROZEN)
    (tmp_path / "gan.py").write_text(GAN)
    return tmp_path


# ---- must fix 1: --force-exclude ----------------------------------------------------------


def test_force_exclude_drops_named_files_in_excluded_folders(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.gradlint]\nextend-exclude = ["generated"]\n')
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "x.py").write_text(FROZEN)
    named = gl("generated/x.py", cwd=tmp_path)
    assert named.returncode == 1 and "generated/x.py:29:13: GL001" in named.stdout
    forced = gl("--force-exclude", "generated/x.py", cwd=tmp_path)
    assert (forced.returncode, forced.stdout) == (0, "All checks passed (0 files checked).\n")


def test_force_exclude_as_a_configuration_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gradlint]\nextend-exclude = ["gen_*.py"]\nforce-exclude = true\n'
    )
    (tmp_path / "gen_a.py").write_text(FROZEN)
    assert gl("gen_a.py", cwd=tmp_path).returncode == 0
    assert gl("--no-force-exclude", "gen_a.py", cwd=tmp_path).returncode == 1


# ---- must fix 2: missing paths and unlistable folders ---------------------------------------


def test_missing_path_is_a_gl000_finding_and_the_run_goes_on(tree: Path) -> None:
    result = gl("nope.py", "frozen.py", "--format", "json", cwd=tree)
    assert result.returncode == 1, result.stderr
    found = {(f["path"], f["code"]) for f in json.loads(result.stdout)}
    assert ("nope.py", "GL000") in found and ("frozen.py", "GL001") in found
    ignored = gl("nope.py", "--ignore", "GL000", cwd=tree)
    assert ignored.returncode == 0


def test_unlistable_folder_is_reported_like_a_missing_path(tree: Path) -> None:
    """Run in a child whose os.scandir refuses one folder (the suite may run as root)."""
    (tree / "locked").mkdir()
    (tree / "locked" / "hidden.py").write_text(FROZEN)
    script = (
        "import os, sys\n"
        "real = os.scandir\n"
        "def scandir(path='.'):\n"
        "    if os.path.basename(os.path.normpath(str(path))) == 'locked':\n"
        "        raise PermissionError(13, 'Permission denied', str(path))\n"
        "    return real(path)\n"
        "os.scandir = scandir\n"
        "sys.argv = ['gradlint', '--no-cache', '.']\n"
        "from gradlint.fastpath import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "locked:1:1: GL000 cannot list folder: permission denied" in result.stdout
    assert "frozen.py:29:13: GL001" in result.stdout


# ---- must fix 3: --output-file and --diff --------------------------------------------------


def test_diff_writes_to_the_output_file(tree: Path) -> None:
    result = gl("frozen.py", "--diff", "-o", "out/fix.diff", cwd=tree)
    assert result.returncode == 1 and result.stdout == ""
    diff = (tree / "out" / "fix.diff").read_text()
    assert diff.startswith("--- a/frozen.py\n+++ b/frozen.py\n")
    assert "+    optimizer.apply_gradients(" in diff


def test_diff_with_nothing_fixable_says_so(tree: Path) -> None:
    result = gl("gan.py", "--diff", cwd=tree)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.strip() == "No fixes available (1 finding has no fix)"


def test_diff_rejects_a_format_it_would_ignore(tree: Path) -> None:
    result = gl("frozen.py", "--diff", "--format", "json", cwd=tree)
    assert result.returncode == 2 and "--diff" in result.stderr and "--format" in result.stderr


# ---- must fix 4: help, version, rule lookup -------------------------------------------------


def test_top_level_help_fits_one_screen_and_lists_the_lint_options(tmp_path: Path) -> None:
    result = gl("--help", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert len(lines) <= 32 and max(len(line) for line in lines) <= 80
    for option in (
        "--select",
        "--ignore",
        "--format",
        "--output-file",
        "--fix",
        "--diff",
        "--baseline",
        "--statistics",
        "--force-exclude",
        "--stdin-filename",
        "--check-syntax",
        "--config",
    ):
        assert re.search(rf"--(\[no-\])?{option[2:]}\b", result.stdout), option
    for command in ("rule", "rules", "confirm", "clean", "version"):
        assert re.search(rf"^  {command} ", result.stdout, re.M), command
    assert "..." not in result.stdout.split("Commands:")[1].split("Lint options:")[0]


def test_version_spellings(tmp_path: Path) -> None:
    from gradlint import __version__

    for args in (["-V"], ["--version"], ["version"]):
        result = gl(*args, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, f"gradlint {__version__}\n"), args


def test_rule_by_code_or_name_and_all(tmp_path: Path) -> None:
    from gradlint.rules import all_rules

    by_code = gl("rule", "gl001", cwd=tmp_path)
    by_name = gl("rule", "unapplied-gradients", cwd=tmp_path)
    assert by_code.returncode == 0 and by_code.stdout == by_name.stdout
    assert by_code.stdout.startswith("# unapplied-gradients (GL001)")
    every = gl("rule", "--all", cwd=tmp_path)
    assert every.stdout.count("## What it does") == len(all_rules())
    assert gl("rule", "no-such-rule", cwd=tmp_path).returncode == 2


def test_rules_as_json(tmp_path: Path) -> None:
    rules = json.loads(gl("rules", "--format", "json", cwd=tmp_path).stdout)
    assert [r["code"] for r in rules][:2] == ["GL000", "GL001"]
    assert {"code", "name", "summary", "fixable", "url", "explanation"} <= set(rules[0])


# ---- must fix 5: stdin ------------------------------------------------------------------------


def test_stdin_is_reported_under_the_given_name(tmp_path: Path) -> None:
    result = gl("-", "--stdin-filename", "src/train.py", cwd=tmp_path, stdin=FROZEN)
    assert result.returncode == 1
    assert result.stdout.startswith("src/train.py:29:13: GL001 ")
    bare = gl("-", cwd=tmp_path, stdin=FROZEN)
    assert bare.stdout.startswith("-:29:13: GL001 ")


def test_stdin_fix_prints_the_fixed_source(tmp_path: Path) -> None:
    result = gl("--fix", "-", "--stdin-filename", "s.py", cwd=tmp_path, stdin=SWAPPED)
    assert result.stdout == SWAPPED.replace(
        "zip(model.trainable_variables, grads)", "zip(grads, model.trainable_variables)"
    )
    assert result.returncode == 0 and result.stderr == ""
    unfixable = gl("--fix", "-", "--stdin-filename", "s.py", cwd=tmp_path, stdin=GAN)
    assert unfixable.stdout == GAN and unfixable.returncode == 1
    assert "s.py:33:15: GL001 " in unfixable.stderr


def test_stdin_honours_per_file_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gradlint]\nextend-exclude = ["gen"]\n[tool.gradlint.per-file-ignores]\n'
        '"tests/*" = ["GL001"]\n'
    )
    ignored = gl("-", "--stdin-filename", "tests/t.py", cwd=tmp_path, stdin=GAN)
    assert ignored.returncode == 0
    excluded = gl("--force-exclude", "-", "--stdin-filename", "gen/t.py", cwd=tmp_path, stdin=GAN)
    assert excluded.returncode == 0


# ---- must fix 7: syntax errors in files without a tape --------------------------------------


def test_check_syntax_reports_files_the_prefilter_skips(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    assert gl("broken.py", cwd=tmp_path).returncode == 0
    result = gl("--check-syntax", "broken.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("broken.py:1:7: GL000 syntax error: ")
    assert "--check-syntax" in gl("check", "--help", cwd=tmp_path).stdout


# ---- baseline -------------------------------------------------------------------------------


def test_baseline_hides_known_findings_and_survives_line_shifts(tree: Path) -> None:
    written = gl("--write-baseline", "ci/baseline.json", ".", cwd=tree)
    assert written.returncode == 0, written.stderr
    document = json.loads((tree / "ci" / "baseline.json").read_text())
    assert document["gradlint-baseline"] == 1
    assert [(e["path"], e["code"]) for e in document["findings"]] == [
        ("../frozen.py", "GL001"),
        ("../frozen.py", "GL002"),
        ("../gan.py", "GL001"),
    ]
    assert "line" not in document["findings"][0]
    (tree / "frozen.py").write_text("# a new first line\n\n" + FROZEN)
    clean = gl("--baseline", "ci/baseline.json", ".", cwd=tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 findings in the baseline" in clean.stderr

    (tree / "new.py").write_text(GAN)
    new = gl("--baseline", "ci/baseline.json", ".", cwd=tree)
    assert new.returncode == 1
    assert new.stdout.startswith("new.py:33:15: GL001 ") and "frozen.py" not in new.stdout


def test_baseline_reports_stale_entries_and_is_stable(tree: Path) -> None:
    gl("--write-baseline", "b.json", ".", cwd=tree)
    first = (tree / "b.json").read_text()
    gl("--write-baseline", "b.json", ".", cwd=tree)
    assert (tree / "b.json").read_text() == first
    (tree / "frozen.py").write_text(FROZEN.replace("    # optimizer.apply", "    optimizer.apply"))
    result = gl("--baseline", "b.json", ".", cwd=tree)
    assert result.returncode == 0
    assert "2 baseline entries in b.json match no finding any more" in result.stderr
    assert "frozen.py: GL001 tape.gradient(loss, model.trainable_variables)" in result.stderr
    only_gan = gl("--baseline", "b.json", "gan.py", cwd=tree)
    assert "no finding any more" not in only_gan.stderr  # frozen.py was not checked
    (tree / "frozen.py").unlink()
    gone = gl("--baseline", "b.json", "gan.py", cwd=tree)
    assert "2 baseline entries in b.json match no finding any more" in gone.stderr


def test_bad_baseline_is_a_one_line_error(tree: Path) -> None:
    (tree / "b.json").write_text("[1, 2")
    result = gl("--baseline", "b.json", ".", cwd=tree)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "b.json: not a gradlint baseline" in result.stderr
    missing = gl("--baseline", "none.json", ".", cwd=tree)
    assert missing.returncode == 2 and "--write-baseline" in missing.stderr


# ---- statistics, show-fixes -----------------------------------------------------------------


def test_statistics_text_and_json(tree: Path) -> None:
    text = gl("--statistics", ".", cwd=tree)
    assert text.returncode == 1
    assert text.stdout == "2\tGL001\t[ ] unapplied-gradients\n1\tGL002\t[*] commented-out-update\n"
    rows = json.loads(gl("--statistics", "--format", "json", ".", cwd=tree).stdout)
    assert rows[0] == {"code": "GL001", "name": "unapplied-gradients", "count": 2, "fixable": False}


def test_show_fixes_marks_fixable_and_lists_applied_fixes(tree: Path) -> None:
    marked = gl("--show-fixes", "frozen.py", cwd=tree).stdout
    assert "frozen.py:30:5: GL002 [*] weight update" in marked
    assert "GL001 [*]" not in marked and "[*] 1 fixable with `gradlint --fix`." in marked
    (tree / "s.py").write_text(SWAPPED)
    fixed = gl("--fix", "--show-fixes", "s.py", "frozen.py", cwd=tree)
    assert "Fixed 2 problems:\n- frozen.py:\n    1 × GL002 (commented-out-update)\n" in fixed.stdout
    assert "- s.py:\n    1 × GL005 (swapped-gradient-pairs)" in fixed.stdout


# ---- rule selection -------------------------------------------------------------------------


def test_extend_select_and_extend_ignore(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(
        '[tool.gradlint]\nselect = ["GL001"]\nextend-select = ["GL002"]\n'
    )
    codes = {f["code"] for f in json.loads(gl("--format", "json", ".", cwd=tree).stdout)}
    assert codes == {"GL001", "GL002"}
    cli = gl("--format", "json", "--extend-ignore", "GL001", ".", cwd=tree)
    assert {f["code"] for f in json.loads(cli.stdout)} == {"GL002"}
    bad = gl("--extend-select", "XX9", ".", cwd=tree)
    assert bad.returncode == 2 and "XX9" in bad.stderr


def test_per_file_ignores_on_the_command_line(tree: Path) -> None:
    result = gl(
        "--per-file-ignores", "gan.py:GL001", "--per-file-ignores", "fro*:GL00", ".", cwd=tree
    )
    assert (result.returncode, result.stdout) == (0, "All checks passed (2 files checked).\n")
    bad = gl("--per-file-ignores", "gan.py", ".", cwd=tree)
    assert bad.returncode == 2 and "GLOB:CODES" in bad.stderr


# ---- respect-gitignore ----------------------------------------------------------------------


def test_gitignored_files_are_skipped_when_walking(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("gen/\n*_tmp.py\n!keep_tmp.py\n")
    (tree / "gen").mkdir()
    (tree / "gen" / "a.py").write_text(FROZEN)
    (tree / "x_tmp.py").write_text(FROZEN)
    (tree / "keep_tmp.py").write_text(GAN)
    (tree / "sub").mkdir()
    (tree / "sub" / ".gitignore").write_text("/local.py\n")
    (tree / "sub" / "local.py").write_text(FROZEN)
    paths = {f["path"] for f in json.loads(gl("--format", "json", ".", cwd=tree).stdout)}
    assert paths == {"frozen.py", "gan.py", "keep_tmp.py"}
    everything = gl("--format", "json", "--no-respect-gitignore", ".", cwd=tree)
    paths = {f["path"] for f in json.loads(everything.stdout)}
    assert {"gen/a.py", "x_tmp.py", "sub/local.py"} <= paths
    named = gl("x_tmp.py", cwd=tree)
    assert named.returncode == 1  # a file named on the command line is always checked


# ---- --add-noqa -----------------------------------------------------------------------------


def test_add_noqa_silences_every_finding_and_is_idempotent(tree: Path) -> None:
    (tree / "s.py").write_text(SWAPPED.replace("grads))", "grads))  # noqa: E501"))
    result = gl("--add-noqa", ".", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "Added 4 noqa directives to 3 files."
    frozen = (tree / "frozen.py").read_text().splitlines()
    assert frozen[28].endswith("model.trainable_variables)  # noqa: GL001")
    assert frozen[29].endswith("# noqa: GL002")
    assert (
        "zip(model.trainable_variables, grads))  # noqa: E501, GL005" in (tree / "s.py").read_text()
    )
    before = {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()}
    assert gl(".", cwd=tree).returncode == 0
    again = gl("--add-noqa", ".", cwd=tree)
    assert again.stderr.strip() == "Added 0 noqa directives to 0 files."
    assert {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()} == before
    assert not [p for p in tree.iterdir() if p.name.startswith(".") and p.is_file()]


def test_unused_noqa_is_off_by_default_and_fixable(tree: Path) -> None:
    (tree / "plain.py").write_text("x = 1  # noqa: GL001\ny = 2  # noqa: E501\n")
    (tree / "step.py").write_text(
        FROZEN.replace("    # optimizer.apply", "    optimizer.apply").replace(
            "model.trainable_variables)\n", "model.trainable_variables)  # noqa: GL001, E501\n", 1
        )
    )
    assert gl("plain.py", cwd=tree).returncode == 0
    result = gl("--extend-select", "GL100", "plain.py", "step.py", "--format", "json", cwd=tree)
    found = [(f["path"], f["line"], f["code"], f["message"]) for f in json.loads(result.stdout)]
    assert found == [
        ("plain.py", 1, "GL100", "unused noqa directive (unused: GL001)"),
        ("step.py", 29, "GL100", "unused noqa directive (unused: GL001)"),
    ]
    fixed = gl("--extend-select", "GL100", "--fix", "plain.py", "step.py", cwd=tree)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tree / "plain.py").read_text() == "x = 1\ny = 2  # noqa: E501\n"
    assert "model.trainable_variables)  # noqa: E501\n" in (tree / "step.py").read_text()


# ---- colour ---------------------------------------------------------------------------------


def test_colour_choices_and_environment(tree: Path) -> None:
    ansi = "\x1b["
    assert ansi not in gl("frozen.py", cwd=tree).stdout  # not a terminal
    assert ansi in gl("--color", "always", "frozen.py", cwd=tree).stdout
    assert ansi in gl("frozen.py", cwd=tree, env={"FORCE_COLOR": "1"}).stdout
    forced_off = gl("frozen.py", cwd=tree, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ansi not in forced_off.stdout
    assert (
        ansi not in gl("--color", "never", "frozen.py", cwd=tree, env={"FORCE_COLOR": "1"}).stdout
    )


# ---- clean, completion ----------------------------------------------------------------------


def test_clean_removes_the_cache(tree: Path) -> None:
    gl(".", cwd=tree)
    assert (tree / ".gradlint_cache").is_dir()
    result = gl("clean", cwd=tree)
    assert (result.returncode, result.stdout) == (0, "Removed .gradlint_cache/\n")
    assert not (tree / ".gradlint_cache").exists()
    assert gl("clean", cwd=tree).stdout == "No cache to remove.\n"


def test_shell_completion_script_and_candidates(tmp_path: Path) -> None:
    script = gl(cwd=tmp_path, env={"_GRADLINT_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "complete " in script.stdout
    words = gl(
        cwd=tmp_path,
        env={"_GRADLINT_COMPLETE": "bash_complete", "COMP_WORDS": "gradlint ru", "COMP_CWORD": "1"},
    )
    assert "rule" in words.stdout and "rules" in words.stdout


def test_stdin_notebook_and_unparsable_source(tmp_path: Path) -> None:
    notebook = (
        ROOT / "tests" / "fixtures" / "notebooks" / "frozen_step_function.ipynb"
    ).read_text()
    result = gl("-", "--stdin-filename", "nb.ipynb", cwd=tmp_path, stdin=notebook)
    assert result.returncode == 1 and result.stdout.startswith("nb.ipynb:cell 4:5:13: GL001 ")
    broken = gl("-", "--stdin-filename", "b.py", cwd=tmp_path, stdin="with tf.GradientTape(:\n")
    assert broken.returncode == 1 and broken.stdout.startswith("b.py:1:")
    assert " GL000 syntax error" in broken.stdout
