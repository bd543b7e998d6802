"""``gradlint clean``: remove the cache folders a run of gradlint here would use.

That is ``.gradlint_cache/`` next to the configuration file in force and in the current
folder (``ruff clean`` removes its caches the same way). Only a folder of that exact name is
removed, and a symbolic link is unlinked, never followed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def clean_caches(cwd: Path | None = None) -> list[str]:
    """Remove the caches; one line per folder removed (or one saying there was none)."""
    from gradlint.config import ConfigError, load_settings

    cwd = cwd or Path.cwd()
    folders = [cwd]
    try:
        settings = load_settings(cwd=cwd)
    except ConfigError:
        settings = None  # a broken configuration must not keep its cache from being removed
    if settings is not None:
        folders.insert(0, settings.root)
    lines = []
    seen = set()
    for folder in folders:
        target = folder / ".gradlint_cache"
        key = os.path.normcase(os.path.abspath(target))
        if key in seen or not (target.is_dir() or target.is_symlink()):
            continue
        seen.add(key)
        if target.is_symlink():
            target.unlink()
        else:
            shutil.rmtree(target)
        lines.append(f"Removed {_shown(target, cwd)}")
    return lines or ["No cache to remove."]


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix() + "/"
    except ValueError:
        return str(path) + "/"
