"""A JSON array of findings with a fixed set of keys (see README "JSON format").

Each finding carries the ``url`` of its rule's section in docs/rules.md, as ruff's JSON does.
"""

from __future__ import annotations

import json

from gradlint.output import Report


def render(report: Report) -> str:
    from gradlint.rules import RULE_MODULES, get_rule

    def record(finding) -> dict:
        url = get_rule(finding.code).help_url() if finding.code in RULE_MODULES else None
        return {**finding.to_dict(), "url": url}

    return json.dumps([record(f) for f in report.findings], indent=2) + "\n"
