"""Which files a run looks at: recursion, excludes, and the files the user named explicitly.

Follows ruff/flake8 conventions: folders are walked, excluded folders are pruned, and a file
named on the command line is always checked even if an exclude pattern matches it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class SourceFile:
    fs_path: Path
    display_path: str


class MissingPathError(Exception):
    """A path named on the command line does not exist."""


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the current folder when inside it, else as absolute; always with ``/``."""
    try:
        rel = path.resolve().relative_to(cwd.resolve()) if path.is_absolute() else path
    except ValueError:
        rel = path
    text = os.path.normpath(str(rel))
    return text.replace(os.sep, "/")


def is_excluded(path: Path, patterns: Iterable[str], root: Path) -> bool:
    """A pattern matches a path's basename, or its path relative to ``root``."""
    name = path.name
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern):
            return True
        if "/" in pattern and (rel == pattern or rel.startswith(pattern + "/")):
            return True
    return False


def collect_files(
    paths: Iterable[str], excludes: list[str], root: Path | None = None
) -> list[SourceFile]:
    """Every source file under ``paths``, deduplicated, in a stable order.

    Symlinked folders are followed once (a loop is cut where it revisits a folder).
    Raises :class:`MissingPathError` for a named path that does not exist.
    """
    cwd = Path.cwd()
    root = root or cwd
    found: dict[str, SourceFile] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise MissingPathError(raw)
        if path.is_dir():
            for file in _walk(path, excludes, root):
                key = os.path.normcase(os.path.abspath(file))
                found.setdefault(key, SourceFile(file, display_path(file, cwd)))
        else:
            key = os.path.normcase(os.path.abspath(path))
            found.setdefault(key, SourceFile(path, display_path(path, cwd)))
    return sorted(found.values(), key=lambda f: f.display_path)


def _walk(top: Path, excludes: list[str], root: Path) -> Iterable[Path]:
    seen_dirs: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen_dirs:
            continue
        seen_dirs.add(ident)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_excluded(path, excludes, root):
                continue
            if is_dir:
                subdirs.append(path)
            elif is_file and path.suffix in SOURCE_SUFFIXES:
                yield path
        stack.extend(reversed(subdirs))
