"""Factories shared by the tests: findings of one rule, the facts of a snippet, a Finding."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gradlint.analyzer.findings import Finding


@pytest.fixture
def facts_of() -> Callable:
    """``facts_of(text)``: the :class:`~gradlint.analyzer.facts.Facts` of ``text`` parsed as
    a whole file (no slicing), for tests that ask the facts directly."""
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.parsing import parse_unit
    from gradlint.analyzer.sources import SourceUnit

    def build(text: str, path: str = "t.py"):
        unit = SourceUnit(path, text)
        module = parse_unit(unit)
        assert not hasattr(module, "message"), module
        return ModuleContext(unit, module).facts

    return build


@pytest.fixture
def lint() -> Callable:
    """``lint(text, codes=None)``: the findings of ``text`` (all rules unless ``codes``)."""
    from gradlint.analyzer.sources import SourceUnit
    from gradlint.engine import analyze_unit
    from gradlint.rules import RULE_MODULES

    def run(text: str, codes: list[str] | None = None, path: str = "t.py") -> list[Finding]:
        return analyze_unit(SourceUnit(path, text), codes or list(RULE_MODULES))

    return run


@pytest.fixture
def make_finding() -> Callable[..., Finding]:
    """``make_finding(**fields)``: a GL001 finding on one line, any field overridden."""

    def make(**fields) -> Finding:
        base: dict = dict(
            code="GL001",
            message="gradients 'grads' never applied",
            path="t.py",
            line=8,
            column=13,
            end_line=8,
            end_column=59,
        )
        base.update(fields)
        return Finding(**base)

    return make
