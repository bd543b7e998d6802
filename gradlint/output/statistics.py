"""``--statistics``: how many findings each rule has, instead of the findings (like ruff's).

Text is one row per code, most frequent first: count, code, ``[*]`` when some are fixable,
and the rule's name; JSON (``--format json``) is a list of
``{"code", "name", "count", "fixable"}`` objects in the same order.
"""

from __future__ import annotations

import json
from collections import Counter

from gradlint.analyzer.findings import Finding


def rows(findings: list[Finding]) -> list[dict]:
    from gradlint.rules import RULE_MODULES, get_rule

    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if f.fix is not None and f.fix.edits}
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [
        {
            "code": code,
            "name": get_rule(code).name if code in RULE_MODULES else code,
            "count": counts[code],
            "fixable": code in fixable,
        }
        for code in ordered
    ]


def render(findings: list[Finding], output_format: str | None = None) -> str:
    table = rows(findings)
    if output_format == "json":
        return json.dumps(table, indent=2) + "\n"
    if not table:
        return ""
    width = len(str(table[0]["count"]))
    lines = []
    for row in table:
        mark = "[*]" if row["fixable"] else "[ ]"
        lines.append(f"{row['count']:>{width}}\t{row['code']}\t{mark} {row['name']}\n")
    return "".join(lines)
