"""JUnit XML, read back by a real JUnit parser (junitparser) and by ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, get_renderer

junitparser = pytest.importorskip("junitparser")


def finding(**kw) -> Finding:
    base = dict(
        code="GL001",
        message="gradients 'grads' never applied",
        path="a.py",
        line=3,
        column=5,
        end_line=3,
        end_column=9,
    )
    base.update(kw)
    return Finding(**base)


def parse(tmp_path, findings):
    path = tmp_path / "report.xml"
    path.write_text(get_renderer("junit")(Report(findings, 3)), encoding="utf-8")
    ET.parse(path)  # well-formed XML
    return junitparser.JUnitXml.fromfile(str(path))


def test_one_failed_case_per_finding_grouped_per_file(tmp_path):
    xml = parse(
        tmp_path,
        [finding(), finding(line=9), finding(path="b.py", code="GL000", message="cannot parse")],
    )
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"a.py", "b.py"}
    assert suites["a.py"].tests == 2 and suites["a.py"].failures == 2
    cases = list(suites["a.py"])
    assert [c.name for c in cases] == ["GL001 a.py:3:5", "GL001 a.py:9:5"]
    (result,) = cases[0].result
    assert isinstance(result, junitparser.Failure)
    assert result.message == "gradients 'grads' never applied"
    assert result.type == "GL001"
    assert result.text == "a.py:3:5: GL001 gradients 'grads' never applied"
    assert cases[0].classname == "a.py"
    assert list(suites["b.py"])[0].result[0].type == "GL000"


def test_clean_run_has_one_passing_case(tmp_path):
    xml = parse(tmp_path, [])
    (suite,) = list(xml)
    (case,) = list(suite)
    assert case.is_passed
    assert suite.failures == 0


def test_markup_and_control_characters_are_safe(tmp_path):
    message = 'a <b> & "c" ]]> \x1b[31mred\x07'
    xml = parse(tmp_path, [finding(message=message, path="d&<.py")])
    (suite,) = list(xml)
    assert suite.name == "d&<.py"
    assert list(suite)[0].result[0].message == 'a <b> & "c" ]]> [31mred'


def test_notebook_case_names_the_cell(tmp_path):
    xml = parse(tmp_path, [finding(path="n.ipynb", cell=2, file_line=30)])
    case = list(list(xml)[0])[0]
    assert case.name == "GL001 n.ipynb:cell 2:3:5"


def test_cli_report_on_the_examples(tmp_path, monkeypatch):
    from pathlib import Path

    from click.testing import CliRunner

    from gradlint.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    out = tmp_path / "junit.xml"
    result = CliRunner().invoke(
        main,
        ["--isolated", "examples", "--format", "junit", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    suites = {suite.name: suite for suite in junitparser.JUnitXml.fromfile(str(out))}
    frozen = list(suites["examples/frozen_loop.py"])
    assert [case.name for case in frozen] == [
        "GL001 examples/frozen_loop.py:29:13",
        "GL002 examples/frozen_loop.py:30:5",
    ]
    assert "examples/correct_loop.py" not in suites
