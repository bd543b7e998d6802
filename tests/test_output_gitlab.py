"""GitLab Code Quality: required fields, and fingerprints that survive unrelated edits."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint.analyzer.findings import Finding
from gradlint.cli import main
from gradlint.output import Report, get_renderer


def finding(**kw) -> Finding:
    base = dict(
        code="GL001",
        message="gradients never applied",
        path="t.py",
        line=8,
        column=13,
        end_line=8,
        end_column=59,
    )
    base.update(kw)
    return Finding(**base)


def render(findings, root) -> list[dict]:
    return json.loads(get_renderer("gitlab")(Report(findings, 1, root=root)))


def cli(tmp_path: Path, *args: str) -> list[dict]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, [*args, "--format", "gitlab"], catch_exceptions=False)
    finally:
        os.chdir(old)
    return json.loads(result.output)


def test_required_fields(tmp_path):
    (issue,) = render([finding(end_line=9)], tmp_path)
    assert issue["description"] == "GL001 gradients never applied"
    assert issue["check_name"] == "GL001"
    assert issue["severity"] == "major"
    assert issue["location"] == {"path": "t.py", "lines": {"begin": 8, "end": 9}}
    assert len(issue["fingerprint"]) == 64


def test_empty_report_is_an_empty_array(tmp_path):
    assert render([], tmp_path) == []


def test_severity_values_are_gitlabs(tmp_path):
    issues = render([finding(severity="warning"), finding(severity="info", line=9)], tmp_path)
    assert [i["severity"] for i in issues] == ["minor", "info"]


def test_notebook_uses_raw_file_line(tmp_path):
    (issue,) = render([finding(path="n.ipynb", cell=3, line=2, end_line=2, file_line=57)], tmp_path)
    assert issue["location"]["lines"] == {"begin": 57, "end": 57}


def test_fingerprint_is_stable_and_ignores_unrelated_line_shifts(tmp_path):
    (tmp_path / "t.py").write_text(FROZEN)
    (first,) = cli(tmp_path, "t.py")
    (again,) = cli(tmp_path, "t.py")
    assert first["fingerprint"] == again["fingerprint"]
    (tmp_path / "t.py").write_text("# a new header comment\n\n" + FROZEN)
    (shifted,) = cli(tmp_path, "t.py")
    assert shifted["location"]["lines"]["begin"] == first["location"]["lines"]["begin"] + 2
    assert shifted["fingerprint"] == first["fingerprint"]


def test_fingerprint_changes_with_the_flagged_code_and_the_file(tmp_path):
    (tmp_path / "t.py").write_text(FROZEN)
    (tmp_path / "u.py").write_text(FROZEN)
    prints = {i["fingerprint"] for i in cli(tmp_path, "t.py", "u.py")}
    assert len(prints) == 2
    (before,) = cli(tmp_path, "t.py")
    (tmp_path / "t.py").write_text(FROZEN.replace("grads =", "g ="))
    (after,) = cli(tmp_path, "t.py")
    assert before["fingerprint"] != after["fingerprint"]


def test_identical_findings_in_one_file_get_distinct_fingerprints(tmp_path):
    same = [finding(line=3), finding(line=10)]
    prints = [i["fingerprint"] for i in render(same, tmp_path)]
    assert len(set(prints)) == 2
