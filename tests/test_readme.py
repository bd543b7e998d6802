"""The README promises commands and output; keep them true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    script = ROOT / ".ci" / "run"
    extracted = subprocess.run(
        [
            "awk",
            "/<!-- test-command -->/ {found=1; next} found && /^[^`]/ {print; exit}",
            str(ROOT / "README.md"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted.endswith("python -m pytest -q")
    assert "<!-- test-command -->" in script.read_text()


def test_readme_example_output_matches_the_tool() -> None:
    block = README.split("Expected output of the first command:")[1].split("```text\n")[1]
    expected = block.split("```")[0]
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "examples/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == expected


def test_every_rule_is_in_the_readme_table() -> None:
    from gradlint.rules import all_rules

    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} |" in README


def test_readme_promises_no_unpublished_package_or_missing_tags() -> None:
    """No install from the package index and no release tag until they exist."""
    for line in README.splitlines():
        for match in re.finditer(r"pip install ([^`\n]*)", line):
            spec = match.group(1)
            if "gradlint-ml" in spec:
                assert "git+https://" in spec, line
    assert not re.search(r"rev: v\d", README)
    assert not re.search(r"gradlint/gradlint@v\d", README)
    assert "<commit-sha>" in README


def test_every_check_option_is_in_the_readme() -> None:
    from gradlint.cli import main

    check = main.commands["check"]
    for param in check.params:
        if isinstance(param, click.Option) and param.name != "help":
            names = [o for o in param.opts if o.startswith("--")]
            assert any(
                name in README or name.replace("--", "--[no-]", 1) in README for name in names
            ), names


def test_readme_config_error_lists_the_real_keys(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\nexclud = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stderr.strip() in README


def test_readme_jupyterlab_recipe_is_a_valid_jupyter_lsp_spec() -> None:
    """jupyter-lsp's schema (spec version 2) requires argv, languages and version."""
    import json

    section = README.split("**JupyterLab**", 1)[1]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    spec = json.loads(block)["LanguageServerManager"]["language_servers"]["gradlint"]
    assert spec["version"] == 2
    assert spec["argv"] == ["gradlint", "server"]
    assert "python" in spec["languages"]
