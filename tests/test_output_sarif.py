"""SARIF 2.1.0: validated against the OASIS schema, with the fields code scanning reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.analyzer.findings import Edit, Finding, Fix
from gradlint.cli import main
from gradlint.output import Report, get_renderer
from gradlint.rules import RULE_MODULES, get_rule

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
NOTEBOOK = "tests/fixtures/notebooks/frozen_step_function.ipynb"


@pytest.fixture(scope="module")
def validate():
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA_PATH.is_file():
        pytest.skip(
            f"SARIF schema not found at {SCHEMA_PATH} (the shared/ folder beside the checkout)"
        )
    schema = json.loads(SCHEMA_PATH.read_text())
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)

    def check(text: str) -> dict:
        doc = json.loads(text)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        return doc

    return check


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


def render(findings, root=ROOT) -> str:
    return get_renderer("sarif")(Report(findings, 1, root=root))


def test_empty_report_is_valid_and_describes_every_rule(validate):
    doc = validate(render([]))
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert run["results"] == []
    driver = run["tool"]["driver"]
    assert driver["name"] == "gradlint" and driver["version"] and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == list(RULE_MODULES)
    for rule in driver["rules"]:
        for key in ("id", "name", "shortDescription", "fullDescription", "help", "helpUri"):
            assert rule[key], key
        # A rule's own severity (GL106 is a warning, the frozen-weights rules errors).
        assert rule["defaultConfiguration"]["level"] == get_rule(rule["id"]).severity


def test_result_fields(validate):
    doc = validate(render([finding()]))
    run = doc["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "GL001"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "GL001"
    assert result["level"] == "error"
    assert result["message"]["text"] == "gradients 'grads' never applied"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {
        "startLine": 29,
        "startColumn": 13,
        "endLine": 29,
        "endColumn": 59,
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_uri_is_percent_encoded_and_absolute_paths_outside_root_are_file_uris(validate, tmp_path):
    doc = validate(
        render([finding(path="my dir/t#1.py"), finding(path="/elsewhere/x.py")], root=tmp_path)
    )
    first, second = (
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in doc["runs"][0]["results"]
    )
    assert first == {"uri": "my%20dir/t%231.py", "uriBaseId": "%SRCROOT%"}
    assert second == {"uri": "file:///elsewhere/x.py"}


def test_absolute_path_inside_root_becomes_relative(validate, tmp_path):
    doc = validate(render([finding(path=str(tmp_path / "pkg" / "t.py"))], root=tmp_path))
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/t.py", "uriBaseId": "%SRCROOT%"}


def test_fix_becomes_sarif_fixes(validate):
    fix = Fix("apply the gradients", (Edit(30, 5, 30, 7, "optimizer.apply(...)\n"),))
    doc = validate(render([finding(fix=fix)]))
    (sarif_fix,) = doc["runs"][0]["results"][0]["fixes"]
    assert sarif_fix["description"]["text"] == "apply the gradients"
    (change,) = sarif_fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "src/train.py"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 30, "startColumn": 5, "endLine": 30, "endColumn": 7},
            "insertedContent": {"text": "optimizer.apply(...)\n"},
        }
    ]


def test_notebook_result_points_at_raw_ipynb_line(validate):
    fix = Fix("cell edit", (Edit(6, 1, 6, 1, "x\n", cell=4),))
    f = finding(
        path=NOTEBOOK, cell=4, line=5, column=13, end_line=5, end_column=59, file_line=44, fix=fix
    )
    doc = validate(render([f]))
    result = doc["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    raw = (ROOT / NOTEBOOK).read_text().splitlines()[43]
    assert region["startLine"] == region["endLine"] == 44
    assert raw[region["startColumn"] - 1 : region["endColumn"] - 1] == (
        "tape.gradient(loss, model.trainable_variables)"
    )
    assert result["properties"]["cell"] == 4
    assert "fixes" not in result  # cell edits cannot be expressed on the raw JSON


def test_multiline_and_warning(validate):
    doc = validate(render([finding(end_line=32, end_column=1, severity="warning")]))
    result = doc["runs"][0]["results"][0]
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["region"]["endLine"] == 32


def test_cli_writes_valid_sarif_for_the_examples(validate, tmp_path):
    out = tmp_path / "gradlint.sarif"
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(
            main,
            ["examples", "--format", "sarif", "--output-file", str(out)],
            catch_exceptions=False,
        )
    finally:
        os.chdir(old)
    assert result.output == ""
    doc = validate(out.read_text())
    locations = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in doc["runs"][0]["results"]
    }
    assert ("GL001", "examples/frozen_loop.py", 29) in locations
    assert not any(uri == "examples/correct_loop.py" for _, uri, _ in locations)
    assert result.exit_code == 1
