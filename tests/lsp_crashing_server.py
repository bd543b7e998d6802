"""``gradlint server`` with two bugs planted, for tests/test_server.py: the analysis of a buffer
that contains ``CRASH_ME`` raises, and so does every hover."""

import sys

import gradlint.engine
import gradlint.server.linting

_analyze_unit = gradlint.engine.analyze_unit


def _exploding_analyze_unit(unit, codes, **kwargs):
    if "CRASH_ME" in unit.text:
        raise RuntimeError("analyzer exploded")
    return _analyze_unit(unit, codes, **kwargs)


def _exploding_rule_docs(code):
    raise RuntimeError("hover exploded")


gradlint.engine.analyze_unit = _exploding_analyze_unit
gradlint.server.linting.rule_docs = _exploding_rule_docs

from gradlint.cli import main  # noqa: E402 - after the patches

sys.argv = ["gradlint", "server"]
main()
