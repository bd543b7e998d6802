"""Runs the enabled rules over one source: prefilter, parse, check, suppress.

The prefilter is the cheapest win: a file that contains none of the enabled rules'
``required_text`` is never parsed, and LibCST is not even imported for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceError, SourceUnit, load_source
from gradlint.rules import get_rule

PARSE_ERROR = "GL000"
#: The tree walks recurse once per nesting level; deeply nested code needs head room.
RECURSION_LIMIT = 20_000


def needs_parse(text: str, codes: list[str]) -> bool:
    for code in codes:
        required = get_rule(code).required_text
        if not required or any(token in text for token in required):
            if code != PARSE_ERROR:
                return True
    return False


def error_finding(error: SourceError) -> Finding:
    return Finding(
        code=PARSE_ERROR,
        message=error.message,
        path=error.path,
        line=error.line,
        column=error.column,
        end_line=error.line,
        end_column=error.column,
        cell=error.cell,
        file_line=error.file_line,
    )


def analyze_file(fs_path: Path, display_path: str, codes: list[str]) -> list[Finding]:
    loaded = load_source(fs_path, display_path)
    if isinstance(loaded, SourceError):
        return [error_finding(loaded)] if PARSE_ERROR in codes else []
    return analyze_unit(loaded, codes)


def analyze_unit(unit: SourceUnit, codes: list[str]) -> list[Finding]:
    """All findings of ``codes`` in ``unit``, suppressions applied, sorted by position."""
    from gradlint.analyzer.suppressions import is_skip_file, filter_noqa

    if is_skip_file(unit.text):
        return []
    if not needs_parse(unit.text, codes):
        return []
    from gradlint.analyzer.parsing import parse_unit

    parsed = parse_unit(unit)
    if isinstance(parsed, SourceError):
        return [error_finding(parsed)] if PARSE_ERROR in codes else []
    from gradlint.analyzer.context import ModuleContext

    ctx = ModuleContext(unit, parsed)
    findings: list[Finding] = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    try:
        for code in codes:
            if code == PARSE_ERROR:
                continue
            rule = get_rule(code)
            if rule.required_text and not any(t in unit.text for t in rule.required_text):
                continue
            findings.extend(rule().check(ctx))
    except RecursionError:
        error = SourceError(unit.path, "cannot analyze: code nested too deeply")
        return [error_finding(error)] if PARSE_ERROR in codes else []
    finally:
        sys.setrecursionlimit(old_limit)
    findings = filter_noqa(unit, findings)
    return sorted(findings, key=lambda f: f.sort_key)
