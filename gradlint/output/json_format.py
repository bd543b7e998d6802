"""A JSON array of findings with a fixed set of keys (see README "JSON format")."""

from __future__ import annotations

import json

from gradlint.output import Report


def render(report: Report) -> str:
    return json.dumps([f.to_dict() for f in report.findings], indent=2) + "\n"
