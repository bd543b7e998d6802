"""SARIF 2.1.0, the format GitHub code scanning and most security dashboards ingest.

Every rule is described in ``tool.driver.rules`` (even with no findings) so a viewer can show
a rule's help next to a result, and results point at files by a URI relative to
``%SRCROOT%`` so the report does not depend on where the checkout lived. Columns count code
points (``columnKind``), which is what LibCST gives. Notebook results point at the raw
``.ipynb`` line, because that is the file a viewer opens.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from gradlint import __version__
from gradlint.analyzer.findings import Finding
from gradlint.output import Report, json_text
from gradlint.output.positions import SourceLines

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/gradlint/gradlint"
SRCROOT = "%SRCROOT%"
#: Finding severity -> SARIF level.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report) -> str:
    return json_text(build(report)) + "\n"


def build(report: Report) -> dict:
    from gradlint.rules import all_rules

    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    source = SourceLines(report.root)
    run: dict = {
        "tool": {
            "driver": {
                "name": "gradlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": report.root.resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, source, report.root) for f in report.findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.what_it_does.split())},
        "help": {"text": rule.render_docs(), "markdown": rule.render_docs()},
        "helpUri": rule.help_url(),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "error")},
    }


def artifact_location(path: str, root: Path) -> dict:
    """A ``%SRCROOT%``-relative URI; an absolute ``file:`` URI for a file outside the root."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            return {"uri": candidate.as_uri()}
    return {"uri": quote(candidate.as_posix()), "uriBaseId": SRCROOT}


def _region(finding: Finding, source: SourceLines) -> dict:
    region = {"startLine": finding.annotation_line}
    if finding.cell is None:
        columns: tuple[int, int] | None = (finding.column, finding.end_column)
    else:
        columns = source.raw_columns(finding)
    if columns is not None:
        region["startColumn"] = max(columns[0], 1)
    region["endLine"] = max(finding.annotation_end_line, finding.annotation_line)
    if columns is not None:
        region["endColumn"] = max(columns[1], 1)
    return region


def _result(finding: Finding, index: dict[str, int], source: SourceLines, root: Path) -> dict:
    location = artifact_location(finding.path, root)
    result: dict = {
        "ruleId": finding.code,
        "level": LEVELS.get(finding.severity, "error"),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": _region(finding, source),
                }
            }
        ],
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.cell is not None:
        result["properties"] = {
            "cell": finding.cell,
            "cellLine": finding.line,
            "cellColumn": finding.column,
        }
    fixes = _fixes(finding, location)
    if fixes:
        result["fixes"] = fixes
    return result


def _fixes(finding: Finding, location: dict) -> list[dict]:
    """SARIF fixes for edits of a plain source file.

    Notebook edits address a cell's text, not the raw JSON, so they cannot be expressed as
    byte replacements of the artifact; such fixes are left to ``gradlint --fix``.
    """
    fix = finding.fix
    if fix is None or not fix.edits or finding.cell is not None:
        return []
    if any(edit.cell is not None for edit in fix.edits):
        return []
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit.line,
                "startColumn": edit.column,
                "endLine": edit.end_line,
                "endColumn": edit.end_column,
            },
            "insertedContent": {"text": edit.content},
        }
        for edit in fix.edits
    ]
    return [
        {
            "description": {"text": fix.description},
            "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
        }
    ]
