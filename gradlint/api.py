"""The public API: lint paths or a string of source the way the command line does."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.settings import Settings


@dataclass
class LintResult:
    findings: list[Finding]
    files_checked: int
    #: The display paths of the files checked (a baseline's stale entries are judged on them).
    checked: list[str] = field(default_factory=list)


#: Named files from which on the workers start before the files are read (``pre-commit run
#: --all-files`` passes hundreds; a commit, a few).
EARLY_POOL_FILES = 32


def enabled_codes(settings: Settings) -> list[str]:
    from gradlint.rules import select_codes

    return select_codes(*settings.enabled_selection())


def lint_paths(paths: Iterable[str], settings: Settings | None = None) -> LintResult:
    """Findings of the files under ``paths``.

    A path that does not exist, or a folder that cannot be listed, is a ``GL000`` finding of
    its own (like ruff's E902): the other paths are still checked.
    """
    from gradlint import runner
    from gradlint.discovery import PathProblem, SourceFile, collect_files

    settings = settings or Settings()
    problems: list[PathProblem] = []
    paths = list(paths)
    files: list[SourceFile] = []

    def list_files() -> list[SourceFile]:
        files.extend(
            collect_files(
                paths,
                settings.exclude + settings.extend_exclude,
                settings.root,
                force_exclude=settings.force_exclude,
                respect_gitignore=settings.respect_gitignore,
                problems=problems,
            )
        )
        return files

    codes = enabled_codes(settings)
    # A folder is walked, and a long list of files read, while the workers start (their
    # import of LibCST is half a second); the few files of a commit (pre-commit's way)
    # start a pool only once some of them are known to need one.
    early = len(paths) >= EARLY_POOL_FILES or any(os.path.isdir(path) for path in paths)
    findings = runner.run(list_files if early else list_files(), codes, settings)
    if problems and "GL000" in codes:
        findings = sorted(findings + [_problem_finding(p) for p in problems], key=_sort_key)
    findings = apply_per_file_ignores(findings, settings)
    return LintResult(
        findings=findings, files_checked=len(files), checked=[f.display_path for f in files]
    )


def _sort_key(finding: Finding) -> tuple:
    return finding.sort_key


def _problem_finding(problem) -> Finding:
    return Finding(
        code="GL000",
        message=problem.message,
        path=problem.display_path,
        line=1,
        column=1,
        end_line=1,
        end_column=1,
    )


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
