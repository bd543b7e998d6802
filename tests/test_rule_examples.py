"""Every rule's VALID and INVALID examples (kept beside the rule, Fixit style) run as tests.

VALID examples must give no finding of their rule; INVALID examples must give one at the
marked line (with exactly the expected message when the example pins one), and, for fixable
rules with an expected ``fixed`` text, ``--fix`` must produce exactly that text (and a second
pass must change nothing). Examples kept as files (``rules/examples/<code>/``) run the same way.
"""

from __future__ import annotations

import pytest

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.rules import DEFAULT_OFF, RULE_MODULES, get_rule

CODES = [code for code in RULE_MODULES if code != "GL000"]
#: GL100 judges the other rules' findings, so its examples run with every rule enabled.
EVERY = list(RULE_MODULES)


def _findings(code: str, text: str):
    codes = EVERY if code == "GL100" else [code]
    return [f for f in analyze_unit(SourceUnit("example.py", text), codes) if f.code == code]


def test_default_off_rules_say_so():
    assert {code for code in RULE_MODULES if not get_rule(code).default_enabled} == DEFAULT_OFF


def _cases(kind: str):
    for code in CODES:
        for number, example in enumerate(getattr(get_rule(code), kind), start=1):
            yield pytest.param(code, example, id=f"{code}-{kind.lower()}-{number}")


def test_every_rule_documents_itself_with_examples():
    for code in CODES:
        rule = get_rule(code)
        assert len(rule.VALID) >= 6, code
        assert len(rule.INVALID) >= 6, code
        docs = rule.render_docs()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in docs, (code, heading)
        assert rule.required_text, code


@pytest.mark.parametrize(("code", "example"), list(_cases("VALID")))
def test_valid_example_is_quiet(code: str, example: str):
    assert _findings(code, example) == []


@pytest.mark.parametrize(("code", "example"), list(_cases("INVALID")))
def test_invalid_example_is_reported(code: str, example):
    found = _findings(code, example.code)
    assert [f.line for f in found] == [example.line], [f.message for f in found]
    if example.column is not None:
        assert found[0].column == example.column
    if example.message is not None:
        assert found[0].message == example.message
    if example.fixed is not None:
        from gradlint.fixing import fix_text

        fixed = fix_text(example.code, found)
        assert fixed == example.fixed
        assert fix_text(fixed, _findings(code, fixed)) == fixed
