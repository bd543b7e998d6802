"""GitLab Code Quality report (a JSON array of Code Climate-style issues).

GitLab compares the report of a merge request with the one of its target branch by
``fingerprint``: a finding whose fingerprint changes looks "new" and one that vanishes looks
"fixed". So the fingerprint hashes what identifies the problem (rule, file, message and the
text of the flagged line, whitespace-trimmed) and never the line number, so that edits
elsewhere in the file do not churn it. Identical findings in one file are told apart by their
order of occurrence.
"""

from __future__ import annotations

import hashlib

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, json_text
from gradlint.output.positions import SourceLines

#: Finding severity -> Code Quality severity (info, minor, major, critical, blocker).
SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(report: Report) -> str:
    source = SourceLines(report.root)
    seen: dict[str, int] = {}
    issues = []
    for finding in report.findings:
        key = _identity(finding, source)
        seen[key] = seen.get(key, 0) + 1
        issues.append(_issue(finding, fingerprint(key, seen[key])))
    return json_text(issues) + "\n"


def fingerprint(identity: str, occurrence: int) -> str:
    return hashlib.sha256(f"{identity}\0{occurrence}".encode()).hexdigest()


def _identity(finding: Finding, source: SourceLines) -> str:
    line = source.line(finding) or ""
    return "\0".join((finding.code, finding.path, finding.message, line.strip()))


def _issue(finding: Finding, print_: str) -> dict:
    return {
        "type": "issue",
        "description": f"{finding.code} {finding.message}",
        "check_name": finding.code,
        "fingerprint": print_,
        "severity": SEVERITIES.get(finding.severity, "major"),
        "categories": ["Bug Risk"],
        "location": {
            "path": finding.path,
            "lines": {"begin": finding.annotation_line, "end": finding.annotation_end_line},
        },
    }
