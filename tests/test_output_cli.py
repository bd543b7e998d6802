"""Formats through the command line: --format, --output-file, GitHub Actions auto-annotations."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint.cli import main
from gradlint.output import FORMATS


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "t.py").write_text(FROZEN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def invoke(*args: str, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(main, ["--isolated", *args], env=env, catch_exceptions=False)


def test_every_format_is_registered():
    assert set(FORMATS) >= {"text", "json", "github", "sarif", "gitlab", "junit"}


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "gitlab", "junit"])
def test_output_file_gets_the_report_and_stdout_stays_empty(project, fmt):
    shown = invoke("t.py", "--format", fmt)
    written = invoke("t.py", "--format", fmt, "--output-file", "report.out")
    assert written.exit_code == shown.exit_code == 1
    assert written.output == ""
    assert (project / "report.out").read_text() == shown.output
    assert not list(project.glob("*.tmp")) and not list(project.glob(".*.tmp"))


def test_output_file_replaces_an_existing_report(project):
    (project / "r.json").write_text("old")
    invoke("t.py", "--format", "json", "-o", "r.json")
    assert json.loads((project / "r.json").read_text())[0]["code"] == "GL001"


def test_output_file_in_a_missing_folder_creates_the_folders(project):
    result = CliRunner().invoke(main, ["--isolated", "t.py", "-o", "no/such/dir/r.txt"])
    assert result.exit_code == 1 and result.output == ""
    assert "t.py:" in (project / "no/such/dir/r.txt").read_text()


def test_output_file_under_a_file_is_a_one_line_error(project):
    (project / "plain").write_text("")
    result = CliRunner().invoke(main, ["--isolated", "t.py", "-o", "plain/r.txt"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "plain/r.txt" in result.output and "Traceback" not in result.output


def test_failed_write_leaves_the_old_report_and_no_temp_file(project, monkeypatch):
    (project / "r.txt").write_text("old report")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    result = CliRunner().invoke(main, ["--isolated", "t.py", "-o", "r.txt"])
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert (project / "r.txt").read_text() == "old report"
    assert not list(project.glob(".r.txt.*"))


def test_github_actions_default_prints_text_and_annotations(project):
    result = invoke("t.py", env={"GITHUB_ACTIONS": "true"})
    lines = result.output.splitlines()
    assert lines[0].startswith("t.py:8:13: GL001 ")
    assert lines[1].startswith("Found 1 problem")
    assert lines[2].startswith("::error title=gradlint (GL001),file=t.py,line=8,col=13,")
    assert len(lines) == 3


def test_github_actions_with_explicit_format_prints_only_that_format(project):
    result = invoke("t.py", "--format", "json", env={"GITHUB_ACTIONS": "true"})
    assert json.loads(result.output)[0]["code"] == "GL001"


def test_github_actions_with_output_file_still_annotates(project):
    result = invoke("t.py", "-o", "r.txt", env={"GITHUB_ACTIONS": "true"})
    assert result.output.startswith("::error ")
    assert (project / "r.txt").read_text().startswith("t.py:8:13: GL001 ")


def test_outside_github_actions_no_annotations(project):
    result = invoke("t.py", env={"GITHUB_ACTIONS": "false"})
    assert "::error" not in result.output


def test_show_source_through_the_cli(project):
    lines = invoke("t.py", "--show-source", "-q").output.splitlines()
    flagged = next(i for i, line in enumerate(lines) if "grads = tape.gradient(" in line)
    assert lines[flagged].endswith(" |     grads = tape.gradient(loss, model.trainable_variables)")
    assert lines[flagged + 1].endswith(" |             " + "^" * 46 + " GL001")
