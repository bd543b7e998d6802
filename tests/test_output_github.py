"""GitHub workflow commands: shape, toolkit escaping, multi-line and notebook annotations."""

from __future__ import annotations

from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, get_renderer
from gradlint.output.github import command, escape_data, escape_property

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "tests/fixtures/notebooks/frozen_step_function.ipynb"


def finding(**kw) -> Finding:
    base = dict(
        code="GL001",
        message="gradients 'grads' never applied",
        path="src/train.py",
        line=29,
        column=13,
        end_line=29,
        end_column=59,
    )
    base.update(kw)
    return Finding(**base)


def test_one_line_command_with_all_positions():
    assert command(finding()) == (
        "::error title=gradlint (GL001),file=src/train.py,line=29,col=13,endLine=29,"
        "endColumn=59::src/train.py:29:13: GL001 gradients 'grads' never applied"
    )


def test_escaping_matches_the_actions_toolkit():
    assert escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_message_and_properties_are_escaped_in_the_command():
    line = command(finding(path="we,ird:dir/t.py", message="50% off\nnext line"))
    assert "file=we%2Cird%3Adir/t.py," in line
    head, message = line.split("::", 2)[1:]
    assert message == "we,ird:dir/t.py:29:13: GL001 50%25 off%0Anext line"
    assert "\n" not in line


def test_multiline_finding_drops_columns():
    line = command(finding(end_line=31, end_column=5))
    assert "line=29,endLine=31::" in line
    assert "col=" not in line and "endColumn" not in line


def test_severity_maps_to_command():
    assert command(finding(severity="warning")).startswith("::warning ")
    assert command(finding(severity="info")).startswith("::notice ")


def test_notebook_uses_raw_file_line_and_column():
    f = finding(path=NOTEBOOK, cell=4, line=5, column=13, end_line=5, end_column=59, file_line=44)
    out = get_renderer("github")(Report([f], 1, root=ROOT))
    raw = (ROOT / NOTEBOOK).read_text().splitlines()[43]
    assert out.startswith(f"::error title=gradlint (GL001),file={NOTEBOOK},line=44,col=")
    col = int(out.split("col=")[1].split(",")[0])
    end = int(out.split("endColumn=")[1].split("::")[0])
    assert raw[col - 1 : end - 1] == "tape.gradient(loss, model.trainable_variables)"
    assert f"::{NOTEBOOK}:cell 4:5:13: GL001 " in out


def test_notebook_without_a_matching_raw_line_drops_columns(tmp_path):
    f = finding(path="missing.ipynb", cell=2, line=1, file_line=7, end_line=1)
    line = command(f, None)
    assert "line=7,endLine=7::" in line and "col=" not in line


def test_no_findings_prints_nothing():
    assert get_renderer("github")(Report([], 4)) == ""


def test_cli_annotates_a_notebook_on_its_raw_line(monkeypatch):
    from click.testing import CliRunner

    from gradlint.cli import main

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        main, ["--isolated", NOTEBOOK, "--format", "github"], catch_exceptions=False
    )
    (line,) = result.output.splitlines()
    raw_lines = (ROOT / NOTEBOOK).read_text().splitlines()
    number = int(line.split(",line=")[1].split(",")[0])
    col = int(line.split(",col=")[1].split(",")[0])
    assert raw_lines[number - 1][col - 1 :].startswith("tape.gradient(")
    assert f"::{NOTEBOOK}:cell " in line
