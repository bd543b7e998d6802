"""GitHub Actions workflow commands: one ``::error ...::`` line per finding.

GitHub turns these into annotations on the pull request's diff. Escaping follows the
``@actions/core`` toolkit: ``%``, CR and LF in the message; additionally ``:`` and ``,`` in
property values, which would otherwise end the property. GitHub silently drops an annotation
that has columns and spans several lines, so columns are only sent for one-line findings.
"""

from __future__ import annotations

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, printable
from gradlint.output.positions import SourceLines

#: Finding severity -> workflow command.
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    source = SourceLines(report.root)
    return "".join(command(f, source) + "\n" for f in report.findings)


def command(finding: Finding, source: SourceLines | None = None) -> str:
    props: list[tuple[str, str]] = [
        ("title", f"gradlint ({finding.code})"),
        ("file", printable(finding.path, keep_line_breaks=True)),
        ("line", str(finding.annotation_line)),
    ]
    columns = _columns(finding, source)
    if columns is not None:
        props.append(("col", str(columns[0])))
    props.append(("endLine", str(finding.annotation_end_line)))
    if columns is not None:
        props.append(("endColumn", str(columns[1])))
    name = COMMANDS.get(finding.severity, "error")
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    message = f"{finding.location()}: {finding.code} {finding.message}"
    return f"::{name} {rendered}::{escape_data(printable(message, keep_line_breaks=True))}"


def _columns(finding: Finding, source: SourceLines | None) -> tuple[int, int] | None:
    if finding.annotation_end_line != finding.annotation_line:
        return None
    if finding.cell is None:
        return finding.column, finding.end_column
    return source.raw_columns(finding) if source is not None else None
