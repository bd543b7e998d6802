"""The pre-commit hooks, run by the real pre-commit against a copy of this checkout.

pre-commit installs a hook repository from git, so the test copies the working tree (tracked
and untracked files, without .git and caches) to a temporary folder and commits it there: the
checkout itself is never touched. pre-commit then builds the hook's virtual environment with
pip, which needs the package index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
pytest.importorskip("pre_commit")

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
FROZEN = (ROOT / "examples" / "frozen_loop.py").read_text()
CORRECT = (ROOT / "examples" / "correct_loop.py").read_text()
IGNORED = shutil.ignore_patterns(
    ".git",
    "__pycache__",
    "*.egg-info",
    ".*_cache",
    "build",
    "dist",
    ".venv",
    "venv",
    ".gradlint_cache",
)


def git_env(tmp: Path) -> dict[str, str]:
    """An environment in which git ignores the user's config and any enclosing repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    (tmp / "gitconfig").write_text("")
    env.update(
        GIT_CONFIG_GLOBAL=str(tmp / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        PRE_COMMIT_HOME=str(tmp / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
    )
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, env)


def copy_checkout(dest: Path) -> None:
    """The working tree as it is now: what ``git add -A`` would see, else the whole folder."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    if listed.returncode != 0:
        shutil.copytree(ROOT, dest, ignore=IGNORED)
        return
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def git_repo(path: Path, env: dict[str, str], files: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    run(["git", "init", "-q"], path, env)
    for name, text in files.items():
        (path / name).write_text(text)


def commit_all(path: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    run(["git", "add", "-A"], path, env)
    return run(["git", "commit", "-q", "-m", message], path, env)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    """A committed copy of this checkout, its HEAD, and the environment to run git/pre-commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tmp = tmp_path_factory.mktemp("precommit")
    env = git_env(tmp)
    project = tmp / "gradlint-copy"
    project.mkdir()
    copy_checkout(project)
    run(["git", "init", "-q"], project, env)
    committed = commit_all(project, env, "snapshot of the working tree")
    assert committed.returncode == 0, committed.stderr
    head = run(["git", "rev-parse", "HEAD"], project, env).stdout.strip()
    return project, head, env


def test_manifest_is_valid():
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
    static = hooks["gradlint"]
    assert static["entry"] == "gradlint --force-exclude"
    assert static["language"] == "python"
    assert static["types_or"] == ["python", "jupyter"]
    assert not static.get("additional_dependencies")
    assert "stages" not in static
    confirm = hooks["gradlint-confirm"]
    assert confirm["entry"] == "gradlint --force-exclude --confirm"
    assert confirm["stages"] == ["manual"]
    assert any(
        dep.startswith(("tensorflow", "gradlint-ml[tensorflow]"))
        for dep in confirm["additional_dependencies"]
    )
    # PyTorch's confirmation: the same command, with torch (not TensorFlow) in its environment.
    torch_confirm = hooks["gradlint-confirm-torch"]
    assert torch_confirm["entry"] == confirm["entry"]
    assert torch_confirm["stages"] == ["manual"]
    deps = torch_confirm["additional_dependencies"]
    assert any(dep.startswith(("torch", "gradlint-ml[torch]")) for dep in deps)
    assert not any(dep.startswith(("tensorflow", "gradlint-ml[tensorflow]")) for dep in deps)


def test_try_repo_blocks_the_frozen_loop(hook_repo, tmp_path):
    project, _, env = hook_repo
    work = tmp_path / "work"
    git_repo(work, env, {"train.py": FROZEN, "README.txt": "not python\n"})
    run(["git", "add", "-A"], work, env)
    result = pre_commit("try-repo", str(project), "gradlint", cwd=work, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "train.py:29:13: GL001 gradients 'grads' of 'model.trainable_variables'" in result.stdout
    assert "Failed" in result.stdout


def test_try_repo_passes_the_correct_loop(hook_repo, tmp_path):
    project, _, env = hook_repo
    work = tmp_path / "work"
    git_repo(work, env, {"train.py": CORRECT})
    run(["git", "add", "-A"], work, env)
    result = pre_commit("try-repo", str(project), "gradlint", cwd=work, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout and "GL001" not in result.stdout


def test_installed_hook_blocks_a_commit_and_stays_static(hook_repo, tmp_path):
    """The real flow: .pre-commit-config.yaml, ``pre-commit install``, ``git commit``."""
    project, head, env = hook_repo
    work = tmp_path / "work"
    config = {
        "repos": [
            {
                "repo": str(project),
                "rev": head,
                "hooks": [{"id": "gradlint"}, {"id": "gradlint-confirm"}],
            }
        ]
    }
    git_repo(work, env, {".pre-commit-config.yaml": yaml.safe_dump(config)})
    assert pre_commit("install", cwd=work, env=env).returncode == 0

    (work / "train.py").write_text(CORRECT)
    passed = commit_all(work, env, "a correct loop")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    (work / "frozen.py").write_text(FROZEN)
    blocked = commit_all(work, env, "a frozen loop")
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr
    assert "frozen.py:29:13: GL001 " in output
    log = run(["git", "log", "--format=%s"], work, env).stdout.split("\n")
    assert log[0] == "a correct loop"

    # Only the static hook's environment was built: the manual confirm hook (TensorFlow) was
    # not installed, and the static one has libcst and click but no TensorFlow or numpy.
    envs = list(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*"))
    assert len(envs) == 1, envs
    python = next(
        p for p in (envs[0] / "bin" / "python", envs[0] / "Scripts" / "python.exe") if p.exists()
    )
    listed = run([str(python), "-m", "pip", "list", "--format=json"], work, env)
    names = {d["name"].lower().replace("_", "-") for d in json.loads(listed.stdout)}
    assert {"gradlint-ml", "libcst", "click"} <= names
    assert not names & {"tensorflow", "tensorflow-cpu", "keras", "numpy"}


def test_readme_snippet_is_a_valid_config_using_our_hooks(tmp_path):
    doc = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in doc.split("```yaml\n")[1:]]
    snippet = next(b for b in blocks if b.startswith("repos:"))
    (tmp_path / ".pre-commit-config.yaml").write_text(snippet)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "validate-config",
            str(tmp_path / ".pre-commit-config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ids = {hook["id"] for hook in yaml.safe_load(MANIFEST.read_text())}
    used = {h["id"] for repo in yaml.safe_load(snippet)["repos"] for h in repo["hooks"]}
    assert used <= ids
    assert "- id: gradlint-confirm" in doc and "--hook-stage manual gradlint-confirm" in doc
    assert "--hook-stage manual gradlint-confirm-torch" in doc


def _config_for(project: Path, head: str) -> str:
    return yaml.safe_dump(
        {"repos": [{"repo": str(project), "rev": head, "hooks": [{"id": "gradlint"}]}]}
    )


def test_pre_commit_run_honours_configured_excludes(hook_repo, tmp_path):
    """pre-commit names every file; `extend-exclude` must still hold (--force-exclude)."""
    project, head, env = hook_repo
    work = tmp_path / "work"
    git_repo(
        work,
        env,
        {
            ".pre-commit-config.yaml": _config_for(project, head),
            "pyproject.toml": '[tool.gradlint]\nextend-exclude = ["generated"]\n',
        },
    )
    (work / "generated").mkdir()
    (work / "generated" / "x.py").write_text(FROZEN)
    (work / "build").mkdir()
    (work / "build" / "y.py").write_text(FROZEN)
    run(["git", "add", "-A"], work, env)
    passed = pre_commit("run", "--all-files", cwd=work, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "GL001" not in passed.stdout

    (work / "train.py").write_text(FROZEN)
    run(["git", "add", "-A"], work, env)
    blocked = pre_commit("run", "--all-files", cwd=work, env=env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "train.py:29:13: GL001 " in blocked.stdout
    assert "generated/x.py" not in blocked.stdout and "build/y.py" not in blocked.stdout


def test_pre_commit_run_without_config_skips_default_excludes(hook_repo, tmp_path):
    """The fast path (no configuration) drops default-excluded files too."""
    project, head, env = hook_repo
    work = tmp_path / "work"
    git_repo(work, env, {".pre-commit-config.yaml": _config_for(project, head)})
    (work / "build").mkdir()
    (work / "build" / "y.py").write_text(FROZEN)
    (work / "ok.py").write_text("x = 1\n")
    run(["git", "add", "-A"], work, env)
    result = pre_commit("run", "--all-files", "--verbose", cwd=work, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed (1 file checked)." in result.stdout
