"""docs/rules.md is generated from the rules and every link into it lands on a heading."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from gradlint.output import Report, get_renderer
from gradlint.rule_docs import render
from gradlint.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rules.md"


def github_anchors(markdown: str) -> set[str]:
    """The fragment ids GitHub gives the headings of ``markdown``."""
    anchors: set[str] = set()
    counts: dict[str, int] = {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} (.+)", line)
        if match is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def test_rules_md_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m gradlint.rule_docs docs/rules.md`"
    )


def test_every_help_uri_points_at_an_existing_anchor():
    anchors = github_anchors(DOC.read_text(encoding="utf-8"))
    for rule in all_rules():
        url = rule.help_url()
        page, _, fragment = url.partition("#")
        assert page.endswith("/docs/rules.md"), url
        assert fragment in anchors, url


def test_sarif_and_json_link_each_finding_to_its_rule(tmp_path):
    from gradlint.analyzer.findings import Finding

    finding = Finding("GL005", "swapped", "a.py", 1, 1, 1, 2)
    sarif = json.loads(get_renderer("sarif")(Report([finding], 1, root=tmp_path)))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(
        r["helpUri"] == next(x for x in all_rules() if x.code == r["id"]).help_url() for r in rules
    )
    (record,) = json.loads(get_renderer("json")(Report([finding], 1, root=tmp_path)))
    assert record["url"].endswith("docs/rules.md#gl005")


def test_generator_writes_the_file(tmp_path):
    target = tmp_path / "docs" / "rules.md"
    subprocess.run(
        [sys.executable, "-m", "gradlint.rule_docs", str(target)], check=True, timeout=60
    )
    assert target.read_text(encoding="utf-8") == render()
