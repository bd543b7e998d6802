"""The GitHub Action (action.yml): its inputs, and its steps run locally the way a runner would.

The runner is imitated closely enough to catch real mistakes: ``${{ }}`` expressions are only
allowed in ``env:`` blocks (never inside scripts, where they invite injection), each step runs
with ``bash -e``, ``$GITHUB_ENV`` carries variables to later steps, and ``GITHUB_ACTIONS=true``
is set. The install step builds a fresh virtual environment from a copy of this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
FROZEN = (ROOT / "examples" / "frozen_loop.py").read_text()
CORRECT = (ROOT / "examples" / "correct_loop.py").read_text()


def evaluate(value: str, inputs: dict[str, str], action_path: Path) -> str:
    def replace(match: re.Match) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            name = expr.removeprefix("inputs.")
            return inputs.get(name, ACTION["inputs"][name].get("default", ""))
        if expr == "github.action_path":
            return str(action_path)
        raise AssertionError(f"action.yml uses an expression the test cannot evaluate: {expr}")

    return EXPRESSION.sub(replace, str(value))


def run_steps(
    steps, inputs, action_path: Path, workspace: Path, runner_temp: Path, github_env: Path
) -> subprocess.CompletedProcess:
    """Run ``steps`` in order; returns the last step's process (stops at the first failure)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    base["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")])
    base.update(
        GITHUB_ACTIONS="true",
        RUNNER_TEMP=str(runner_temp),
        GITHUB_ENV=str(github_env),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(action_path),
    )
    result = None
    for step in steps:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "expressions belong in env:, not in the script"
        env = dict(base)
        for line in github_env.read_text().splitlines() if github_env.exists() else []:
            key, _, value = line.partition("=")
            env[key] = value
        env.update({k: evaluate(v, inputs, action_path) for k, v in step.get("env", {}).items()})
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            return result
    return result


def copy_checkout(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    if listed.returncode != 0:
        shutil.copytree(
            ROOT,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(
                ".git", "__pycache__", "*.egg-info", ".*_cache", "build", "dist", ".venv"
            ),
        )
        return
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)


def test_inputs():
    inputs = ACTION["inputs"]
    assert set(inputs) == {"paths", "args", "version"}
    assert inputs["paths"]["default"] == "."
    assert inputs["args"]["default"] == ""
    assert inputs["version"]["default"] == ""
    assert all(spec["description"] and spec["required"] is False for spec in inputs.values())
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["name"] and ACTION["description"] and ACTION["branding"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step, run once: gradlint from the action's own checkout (version empty)."""
    tmp = tmp_path_factory.mktemp("action")
    action_path = tmp / "action"
    action_path.mkdir()
    copy_checkout(action_path)
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir()
    github_env = tmp / "github_env"
    steps = ACTION["runs"]["steps"]
    result = run_steps(steps[:1], {}, action_path, tmp, runner_temp, github_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GRADLINT_BIN=" in github_env.read_text()
    return steps[1:], action_path, runner_temp, github_env


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(FROZEN)
    (tmp_path / "src" / "ok.py").write_text(CORRECT)
    return tmp_path


def test_default_run_prints_text_and_annotations_and_fails(installed, tmp_path):
    steps, action_path, runner_temp, github_env = installed
    result = run_steps(steps, {}, action_path, workspace(tmp_path), runner_temp, github_env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("src/train.py:29:13: GL001 ")
    assert any(
        line.startswith("::error title=gradlint (GL001),file=src/train.py,line=29,col=13,")
        for line in lines
    )


def test_paths_and_args_inputs(installed, tmp_path):
    steps, action_path, runner_temp, github_env = installed
    ws = workspace(tmp_path)
    inputs = {"paths": "src/ok.py", "args": "--format json"}
    result = run_steps(steps, inputs, action_path, ws, runner_temp, github_env)
    assert (result.returncode, result.stdout.strip()) == (0, "[]")

    inputs = {"paths": "src", "args": "--format sarif --output-file gradlint.sarif --exit-zero"}
    result = run_steps(steps, inputs, action_path, ws, runner_temp, github_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert '"ruleId": "GL001"' in (ws / "gradlint.sarif").read_text()


def test_version_input_installs_from_the_package_index_by_name():
    script = ACTION["runs"]["steps"][0]["run"]
    assert 'spec="gradlint-ml==$GRADLINT_VERSION"' in script
    assert ACTION["runs"]["steps"][0]["env"]["GRADLINT_VERSION"] == "${{ inputs.version }}"


def test_readme_workflows_use_only_real_inputs_and_formats():
    from gradlint.output import FORMATS

    doc = (ROOT / "README.md").read_text()
    blocks = [yaml.safe_load(b.split("```", 1)[0]) for b in doc.split("```yaml\n")[1:]]
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    steps = workflow["jobs"]["gradlint"]["steps"]
    ours = [s for s in steps if str(s.get("uses", "")).startswith("gradlint/gradlint@")]
    assert len(ours) == 2
    for step in ours:
        assert set(step.get("with", {})) <= set(ACTION["inputs"])
    sarif_step = next(s for s in ours if "sarif" in s.get("with", {}).get("args", ""))
    upload = next(s for s in steps if "upload-sarif" in str(s.get("uses")))
    assert f"--output-file {upload['with']['sarif_file']}" in sarif_step["with"]["args"]
    assert workflow["permissions"]["security-events"] == "write"

    gitlab = next(
        b for b in blocks if isinstance(b, dict) and "gradlint" in b and "script" in b["gradlint"]
    )["gradlint"]
    for command in gitlab["script"][1:]:
        fmt = command.split("--format ")[1].split()[0]
        assert fmt in FORMATS
    reports = gitlab["artifacts"]["reports"]
    assert reports["codequality"] in gitlab["script"][1]
    assert reports["junit"] in gitlab["script"][2]
