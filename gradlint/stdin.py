"""``gradlint -``: lint (and fix) source read from standard input, as editors and formatters
call linters. ``--stdin-filename`` names it, so the per-file settings, excludes and the
notebook format apply as if it were that file; nothing on disk is read or written.
"""

from __future__ import annotations

from gradlint.analyzer.findings import Finding
from gradlint.settings import Settings


def lint_source_bytes(raw: bytes, name: str, settings: Settings) -> tuple[list[Finding], object]:
    """The findings of ``raw`` shown as ``name``, and the loaded unit (None when unreadable).

    With ``force-exclude``, a name the excludes match gives no findings (ruff does the same,
    so an editor can pass every buffer through).
    """
    from gradlint import api
    from gradlint.analyzer.sources import SourceError, decode_python
    from gradlint.discovery import ExcludeMatcher, excluded_with_parents
    from gradlint.engine import PARSE_ERROR, error_finding

    if settings.force_exclude and name != "-":
        matcher = ExcludeMatcher(settings.exclude + settings.extend_exclude, settings.root)
        if excluded_with_parents(name, matcher):
            return [], None
    codes = api.enabled_codes(settings)
    if name.endswith(".ipynb"):
        from gradlint.analyzer.notebooks import load_notebook

        unit = load_notebook(raw, name)
    else:
        unit = decode_python(raw, name)
    if isinstance(unit, SourceError):
        findings = [error_finding(unit)] if PARSE_ERROR in codes else []
        return api.apply_per_file_ignores(findings, settings), None
    from gradlint.runner import safe_analyze

    findings = safe_analyze(unit, codes)
    return api.apply_per_file_ignores(findings, settings), unit


def fix_source(raw: bytes, unit, findings: list[Finding], name: str) -> tuple[bytes, str]:
    """``raw`` with the safe fixes applied (unchanged when a fix would not parse), and the diff."""
    import codecs

    from gradlint.fixing import FixError, _check_parses, _diff_lines, _fix_notebook, fix_text

    if unit is None or not any(f.fix is not None for f in findings):
        return raw, ""
    try:
        if name.endswith(".ipynb"):
            new_raw, _ = _fix_notebook(raw, name, findings)
            old_text = raw.decode(unit.encoding, errors="replace")
            new_text = new_raw.decode(unit.encoding, errors="replace")
        else:
            old_text = unit.text
            new_text = fix_text(unit.text, findings)
            _check_parses(new_text, name)
            new_raw = new_text.encode(unit.encoding)
            if raw.startswith(codecs.BOM_UTF8) and not new_raw.startswith(codecs.BOM_UTF8):
                new_raw = codecs.BOM_UTF8 + new_raw
    except FixError:
        return raw, ""
    diff = "".join(_diff_lines(old_text.splitlines(True), new_text.splitlines(True), name))
    return new_raw, diff
