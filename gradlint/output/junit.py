"""JUnit XML: one failed test case per finding, one test suite per file.

CI systems without a linter integration (Jenkins, Azure Pipelines, GitLab's test report,
CircleCI) all read JUnit, so this is the lowest common denominator. A clean run still has one
passing test case, because several readers treat a report without test cases as broken.
The XML is built with ElementTree, which escapes markup; characters that XML 1.0 cannot carry
at all (most C0 controls) are dropped from messages first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from gradlint.output import Report, printable

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Control characters escaped (a name must not start a new line of the report, nor
    reach a terminal), and what XML 1.0 cannot carry dropped."""
    return printable(_INVALID_XML.sub("", text))


def render(report: Report) -> str:
    total = max(len(report.findings), 1)
    root = ET.Element(
        "testsuites",
        name="gradlint",
        tests=str(total),
        failures=str(len(report.findings)),
        errors="0",
    )
    if not report.findings:
        suite = ET.SubElement(
            root, "testsuite", name="gradlint", tests="1", failures="0", errors="0", skipped="0"
        )
        ET.SubElement(suite, "testcase", name="no findings", classname="gradlint")
    by_path = groupby(sorted(report.findings, key=lambda f: f.sort_key), key=lambda f: f.path)
    for path, group in by_path:
        findings = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(path),
            tests=str(len(findings)),
            failures=str(len(findings)),
            errors="0",
            skipped="0",
        )
        for finding in findings:
            location = _clean(finding.location())
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{finding.code} {location}",
                classname=_clean(path),
                file=_clean(path),
                line=str(finding.annotation_line),
            )
            failure = ET.SubElement(
                case, "failure", message=_clean(finding.message), type=finding.code
            )
            failure.text = _clean(f"{location}: {finding.code} {finding.message}")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
