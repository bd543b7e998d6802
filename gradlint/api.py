"""The public API: lint paths or a string of source the way the command line does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.settings import Settings


@dataclass
class LintResult:
    findings: list[Finding]
    files_checked: int


def enabled_codes(settings: Settings) -> list[str]:
    from gradlint.rules import select_codes

    return select_codes(settings.select, settings.ignore)


def lint_paths(paths: Iterable[str], settings: Settings | None = None) -> LintResult:
    """Raises :class:`gradlint.discovery.MissingPathError` for a path that does not exist."""
    from gradlint import runner
    from gradlint.discovery import collect_files

    settings = settings or Settings()
    files = collect_files(list(paths), settings.exclude + settings.extend_exclude, settings.root)
    codes = enabled_codes(settings)
    findings = runner.run(files, codes, settings)
    findings = apply_per_file_ignores(findings, settings)
    return LintResult(findings=findings, files_checked=len(files))


def lint_source(text: str, path: str = "<string>", codes: list[str] | None = None) -> list[Finding]:
    """Findings for Python source text (used by tests, the flake8 plugin and editors)."""
    from gradlint.analyzer.sources import SourceUnit
    from gradlint.engine import analyze_unit

    if codes is None:
        codes = enabled_codes(Settings())
    return analyze_unit(SourceUnit(path=path, text=text), codes)


def apply_per_file_ignores(findings: list[Finding], settings: Settings) -> list[Finding]:
    if not settings.per_file_ignores:
        return findings
    import fnmatch

    kept = []
    for finding in findings:
        candidates = {finding.path, Path(finding.path).name}
        try:
            full = (Path.cwd() / finding.path).resolve()
            candidates.add(full.relative_to(settings.root.resolve()).as_posix())
        except (OSError, ValueError):
            pass  # outside the configuration's folder: only the given path can match
        ignored: set[str] = set()
        for pattern, codes in settings.per_file_ignores.items():
            if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
                ignored.update(c.upper() for c in codes)
        if not any(finding.code.startswith(c) for c in ignored):
            kept.append(finding)
    return kept
