"""Which files a run looks at: recursion, excludes, and the files the user named explicitly.

Follows ruff/flake8 conventions: folders are walked, excluded folders (and, with
``respect-gitignore``, what git ignores) are pruned, and a file named on the command line is
checked even if an exclude pattern matches it, unless ``--force-exclude`` is given (pre-commit
names every changed file, and a configured exclude must still hold for those). A path that
does not exist or a folder that cannot be listed is a :class:`PathProblem`, which the run
reports as a finding of its own and goes on (ruff's E902).
"""

from __future__ import annotations

import fnmatch
import operator
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class SourceFile:
    """A file to check: where to read it (a ``str`` or ``Path``), and how to show it."""

    fs_path: str | Path
    display_path: str


class MissingPathError(Exception):
    """A path named on the command line does not exist (only when no problem list is given)."""


@dataclass(frozen=True)
class PathProblem:
    """A named path that does not exist, or a folder that cannot be listed."""

    display_path: str
    message: str


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the current folder when inside it, else as given; always with ``/``."""
    text = str(path)
    if path.is_absolute():
        base = os.path.abspath(cwd)
        absolute = os.path.normpath(text)
        if absolute.startswith(base + os.sep):
            text = absolute[len(base) + 1 :]
    return os.path.normpath(text).replace(os.sep, "/")


class ExcludeMatcher:
    """Exclude patterns compiled once: a pattern matches a basename, or a path relative to
    the root. Walking a large tree calls this for every entry, so it avoids ``resolve()``
    and per-pattern ``fnmatch`` calls."""

    def __init__(self, patterns: Iterable[str], root: Path) -> None:
        self.root = os.path.abspath(root)
        name_patterns: list[str] = []
        path_patterns: list[str] = []
        self.prefixes: list[str] = []
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if not pattern:
                continue
            name_patterns.append(fnmatch.translate(pattern))
            path_patterns.append(fnmatch.translate(pattern))
            if "/" in pattern:
                self.prefixes.append(pattern + "/")
        self.name_regex = re.compile("|".join(name_patterns)) if name_patterns else None
        self.path_regex = re.compile("|".join(path_patterns)) if path_patterns else None
        self.has_path_patterns = bool(self.prefixes) or any("/" in p for p in patterns)

    def relative(self, path: str) -> str:
        absolute = os.path.abspath(path)
        if absolute == self.root:
            return "."
        if absolute.startswith(self.root + os.sep):
            return absolute[len(self.root) + 1 :].replace(os.sep, "/")
        return absolute.replace(os.sep, "/")

    def matches(self, path: str, name: str) -> bool:
        if self.name_regex is not None and self.name_regex.match(name):
            return True
        if not self.has_path_patterns or self.path_regex is None:
            return False
        rel = self.relative(path)
        if self.path_regex.match(rel):
            return True
        return any(rel.startswith(prefix) for prefix in self.prefixes)


def is_excluded(path: Path, patterns: Iterable[str], root: Path) -> bool:
    """A pattern matches a path's basename, or its path relative to ``root``."""
    return ExcludeMatcher(patterns, root).matches(str(path), path.name)


def collect_files(
    paths: Iterable[str],
    excludes: list[str],
    root: Path | None = None,
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = False,
    problems: list[PathProblem] | None = None,
) -> list[SourceFile]:
    """Every source file under ``paths``, deduplicated, in a stable order.

    Symlinks in a walked folder are followed only when they lead to a place inside the
    folder being walked (as ruff does): a committed ``vendor -> ../other`` or ``up -> /``
    must neither widen the run nor let ``--fix`` write outside the tree. A folder is
    walked once (a loop is cut where it revisits a folder).
    A named path that does not exist, and a folder that cannot be listed, is appended to
    ``problems``; without that list a missing path raises :class:`MissingPathError`.
    Walked files stay strings: a large tree is listed on every run, even a fully cached one.
    """
    cwd = Path.cwd()
    base = os.path.abspath(cwd)
    root = root or cwd
    matcher = ExcludeMatcher(excludes, root)
    found: dict[str, SourceFile] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            if problems is None:
                raise MissingPathError(raw)
            problems.append(PathProblem(display_path(path, cwd), "no such file or directory"))
            continue
        if force_exclude and excluded_with_parents(str(path), matcher):
            continue
        if path.is_dir():
            ignored = None
            if respect_gitignore:
                from gradlint.gitignore import GitIgnore

                ignored = GitIgnore.for_folder(path)
            for file in _walk(path, matcher, ignored, problems, cwd):
                absolute = file if os.path.isabs(file) else os.path.join(base, file)
                key = os.path.normcase(os.path.normpath(absolute))
                if key not in found:
                    found[key] = SourceFile(file, _display(file, base))
        else:
            key = os.path.normcase(os.path.abspath(path))
            found.setdefault(key, SourceFile(path, display_path(path, cwd)))
    return sorted(found.values(), key=lambda f: f.display_path)


def excluded_with_parents(path: str, matcher: ExcludeMatcher) -> bool:
    """Whether ``path``, or a folder above it inside the root, matches an exclude pattern.

    The root itself (and anything above it) is never tested: a checkout that happens to live
    in a folder called ``build`` is not excluded as a whole.
    """
    absolute = os.path.abspath(path)
    inside = matcher.root + os.sep
    while True:
        if matcher.matches(absolute, os.path.basename(absolute)):
            return True
        parent = os.path.dirname(absolute)
        if parent == absolute or not parent.startswith(inside):
            return False
        absolute = parent


def _display(path: str, base: str) -> str:
    """:func:`display_path` for a walked path, without building a ``Path``."""
    text = os.path.normpath(path)
    if os.path.isabs(text) and text.startswith(base + os.sep):
        text = text[len(base) + 1 :]
    return text.replace(os.sep, "/") if os.sep != "/" else text


_BY_NAME = operator.attrgetter("name")


def _walk(
    top: Path,
    matcher: ExcludeMatcher,
    ignored,
    problems: list[PathProblem] | None,
    cwd: Path,
) -> Iterable[str]:
    inside = os.path.realpath(top)
    inside_prefix = inside if inside.endswith(os.sep) else inside + os.sep
    seen_dirs: set[tuple[int, int]] = set()
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen_dirs:
            continue
        seen_dirs.add(ident)
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
            entries.sort(key=_BY_NAME)  # a key read in C: a large tree has 40,000 entries
        except OSError as exc:
            if problems is not None:
                reason = (exc.strerror or str(exc)).lower()
                problems.append(
                    PathProblem(display_path(Path(folder), cwd), f"cannot list folder: {reason}")
                )
            continue
        rules = None
        if ignored is not None:
            rules = ignored.enter(folder, any(e.name == ".gitignore" for e in entries))
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                continue
            if not is_dir and not name.endswith(SOURCE_SUFFIXES):
                continue  # cheaper than the exclude check, and most entries stop here
            if matcher.matches(entry.path, name):
                continue
            if rules is not None and ignored.is_ignored(rules, name, is_dir):
                continue
            if entry.is_symlink():
                real = os.path.realpath(entry.path)
                if real != inside and not real.startswith(inside_prefix):
                    continue  # it leads out of the tree being walked
            if is_dir:
                subdirs.append(entry.path)
            else:
                try:
                    if entry.is_file(follow_symlinks=True):
                        yield entry.path
                except OSError:
                    continue
        stack.extend(reversed(subdirs))
