"""Shared helpers for the per-rule tests (no tests here)."""

from __future__ import annotations

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit


def findings(code: str, text: str, path: str = "t.py"):
    return [f for f in analyze_unit(SourceUnit(path, text), [code]) if f.code == code]


def fixed(code: str, text: str) -> str:
    from gradlint.fixing import fix_text

    return fix_text(text, findings(code, text))
