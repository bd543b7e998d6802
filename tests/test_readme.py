"""The README promises commands and output; keep them true."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
