"""What the language server asks of gradlint, kept free of pygls so it can be tested (and
timed) without an editor.

An editor holds text the disk has not seen yet, so the server analyzes buffers, not files,
but with everything else the command line would use for that file: the nearest configuration
file (the same lookup, cached per folder until a configuration file changes), the same
enabled codes, per-file ignores and excludes, and the same findings cache. A buffer whose
text equals what a ``gradlint`` run saw is answered from that run's cache entry; what the
server stores is limited to opened and saved buffers, so typing does not write an entry
per keystroke.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.analyzer.sources import SourceError, SourceUnit
from gradlint.settings import Settings

#: The files :func:`gradlint.config.load_settings` reads; a change to one reloads settings.
CONFIG_FILE_NAMES = ("pyproject.toml", "setup.cfg")


def docs_url(code: str) -> str:
    """Where a rule's documentation lives (docs/rules.md, one anchor per rule)."""
    from gradlint.rules import get_rule

    return get_rule(code).help_url()


def rule_docs(code: str) -> str | None:
    """The rule's documentation in Markdown (``gradlint rule CODE``), or None if unknown."""
    from gradlint.rules import RULE_MODULES, get_rule

    if code not in RULE_MODULES:
        return None
    return get_rule(code).render_docs()


@dataclass
class Project:
    """The settings in force for the files of one folder, and what follows from them."""

    settings: Settings
    codes: list[str]
    cache: object | None = None
    #: The configuration problem that made these the default settings, if there was one.
    config_error: str | None = None

    def excluded(self, path: Path) -> bool:
        """Whether a walk from the project root would skip ``path`` (the file or a folder
        above it matches an exclude pattern): those files get no diagnostics, as in ruff."""
        from gradlint.discovery import ExcludeMatcher

        patterns = self.settings.exclude + self.settings.extend_exclude
        if not patterns:
            return False
        matcher = ExcludeMatcher(patterns, self.settings.root)
        try:
            relative = path.resolve().relative_to(self.settings.root.resolve())
        except (OSError, ValueError):
            return matcher.matches(str(path), path.name)
        current = self.settings.root
        for part in relative.parts:
            current = current / part
            if matcher.matches(str(current), part):
                return True
        return False


class ProjectStore:
    """Settings per folder, loaded once and dropped when a configuration file changes."""

    def __init__(self, workspace_roots: Sequence[Path] = ()) -> None:
        self.workspace_roots = [Path(root) for root in workspace_roots]
        self._by_folder: dict[Path, Project] = {}

    def for_file(self, path: Path | None) -> Project:
        """The project of a file on disk; None (an untitled buffer) gets the first workspace
        folder's settings, or the defaults."""
        if path is None:
            folder = self.workspace_roots[0] if self.workspace_roots else Path.cwd()
        else:
            folder = path.parent
        project = self._by_folder.get(folder)
        if project is None:
            project = self._by_folder[folder] = self._load(folder)
        return project

    def invalidate(self) -> None:
        self._by_folder.clear()

    def _workspace_root(self, folder: Path) -> Path | None:
        resolved = folder.resolve()
        for root in sorted(self.workspace_roots, key=lambda r: len(r.parts), reverse=True):
            if resolved == root.resolve() or root.resolve() in resolved.parents:
                return root
        return None

    def _load(self, folder: Path) -> Project:
        from gradlint.api import enabled_codes
        from gradlint.config import ConfigError, load_settings

        error = None
        try:
            settings = load_settings(cwd=folder)
        except ConfigError as exc:
            error = str(exc)
            settings = Settings(root=folder)
        workspace_root = self._workspace_root(folder)
        if settings.source is None:
            # Without a configuration file the CLI's root is the current folder; an editor's
            # is the workspace folder (so the cache is not spread over every folder opened).
            settings.root = workspace_root or folder
        codes = enabled_codes(settings)
        cache = None
        if settings.use_cache and (settings.source is not None or workspace_root is not None):
            from gradlint.cache import Cache

            directory = settings.cache_dir
            if not directory.is_absolute():
                directory = settings.root / directory
            cache = Cache.open(directory, settings.cache_key(), codes)
        return Project(settings=settings, codes=codes, cache=cache, config_error=error)


@dataclass
class LintOutcome:
    findings: list[Finding]
    #: The traceback when gradlint itself failed on this text (the findings then hold one
    #: GL000 saying so); the server logs it to the client.
    crash: str | None = None
    from_cache: bool = field(default=False, compare=False)
    #: The other files the findings were computed from (absolute path, or
    #: ``<tree>ROOT`` for a search of the whole project -> digest): a change to one of
    #: them, saved or not, changes these findings.
    dependencies: dict[str, str] = field(default_factory=dict, compare=False)


def lint_unit(
    unit: SourceUnit,
    project: Project,
    *,
    store: bool = False,
    buffers: Mapping[str, str] | None = None,
) -> LintOutcome:
    """The findings the command line would report for ``unit`` under ``project``.

    ``buffers`` (absolute path -> text) are the editor's open files: the project's other
    modules are read from them rather than from disk, so an unsaved change to a helper
    shows in the files that call it. ``store`` writes the result to the shared cache (for
    opened and saved buffers), only when it is what the command line would compute from
    the files on disk.
    """
    from gradlint.api import apply_per_file_ignores
    from gradlint.cache import dependencies_unchanged

    if project.excluded(Path(unit.path)):
        return LintOutcome([])
    buffers = dict(buffers or {})
    cache = project.cache if unit.kind == "python" else None
    key = None
    if cache is not None:
        key = cache.key(unit.kind, unit.text.encode("utf-8", "surrogatepass"))
        hit = cache.get_entry(key, unit.path, buffers)
        if hit is not None:
            findings, dependencies = hit
            return LintOutcome(
                apply_per_file_ignores(findings, project.settings),
                from_cache=True,
                dependencies=dependencies,
            )
    from gradlint.engine import analyze_unit

    model = _project_model(project, buffers) if project.settings.project else False
    try:
        result = analyze_unit(unit, project.codes, project=model)
    except Exception as exc:  # noqa: BLE001 - one buffer's crash must not end the server
        return LintOutcome([_internal_error(unit, exc)], crash=traceback.format_exc())
    dependencies = dict(getattr(result, "dependencies", None) or {})
    if store and cache is not None and key is not None and dependencies_unchanged(dependencies):
        cache.put(key, list(result), dependencies)
    return LintOutcome(
        apply_per_file_ignores(list(result), project.settings), dependencies=dependencies
    )


def _project_model(project: Project, buffers: dict[str, str]):
    """A model of the project as the editor shows it, made for each analysis: its module
    indexes are read once and kept, and buffers change between analyses. Summaries of
    unchanged modules still come from the shared cache (keyed by content)."""
    from gradlint.analyzer.summaries import ProjectModel

    backend = project.cache.summaries() if project.cache is not None else None
    return ProjectModel(overrides=buffers, backend=backend)


def depends_on(dependencies: Mapping[str, str], path: Path) -> bool:
    """Whether findings computed from ``dependencies`` may change when the file at ``path``
    changes (it is one of them, or inside a project they searched whole)."""
    from gradlint.analyzer.project import TREE_DEPENDENCY

    target = Path(os.path.abspath(path))
    for name in dependencies:
        if name.startswith(TREE_DEPENDENCY):
            if target.is_relative_to(Path(name[len(TREE_DEPENDENCY) :])):
                return True
        elif Path(name) == target:
            return True
    return False


def _internal_error(unit: SourceUnit, exc: BaseException) -> Finding:
    from gradlint.engine import error_finding
    from gradlint.runner import INTERNAL_ERROR

    detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return error_finding(SourceError(unit.path, f"{INTERNAL_ERROR}{detail} (please report this)"))


def python_unit(path: str, text: str) -> SourceUnit:
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")
    return SourceUnit(path=path, text=text, newline=newline)


@dataclass(frozen=True)
class Cell:
    """One cell of an open notebook, as the editor sends it."""

    text: str
    #: A code cell in Python (markdown cells and other languages' cells are not analyzed).
    python: bool


def notebook_unit(path: str, cells: Sequence[Cell]) -> SourceUnit | SourceError:
    """An open notebook as the analyzer reads a ``.ipynb`` file: the same cell numbering
    (1-based, every cell counted), the same handling of magics and indented cells.

    The editor sends cells, not JSON, so a minimal nbformat 4 document is built from them
    and read by :func:`gradlint.analyzer.notebooks.load_notebook`, the CLI's own reader.
    """
    from gradlint.analyzer.notebooks import load_notebook

    stored = []
    for cell in cells:
        if cell.python:
            stored.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.text,
                }
            )
        else:
            stored.append({"cell_type": "raw", "metadata": {}, "source": cell.text})
    document = {"cells": stored, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return load_notebook(json.dumps(document).encode(), path)


@dataclass(frozen=True)
class LineEdit:
    """Replace columns ``start``..``end`` (0-based code points) of one line with ``text``."""

    start: int
    end: int
    text: str


def noqa_edit(line: str, code: str) -> LineEdit | None:
    """The edit that adds ``code`` to the line's ``# noqa`` (or adds one), or None when the
    line is already silenced for it or a comment cannot go there (a ``\\`` continuation)."""
    from gradlint.analyzer.suppressions import _NOQA, noqa_codes

    line = line.rstrip("\r\n")
    existing = noqa_codes(line)
    if existing is not None:
        if not existing or code in existing:
            return None
        match = _NOQA.search(line)
        assert match is not None and match.group("codes")
        end = match.end("codes")
        return LineEdit(end, end, f", {code}")
    content = line.rstrip()
    if content.endswith("\\"):
        return None
    return LineEdit(len(content), len(line), f"  # noqa: {code}")
