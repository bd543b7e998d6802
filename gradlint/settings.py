"""The effective configuration of one run, whatever it came from (defaults, file, flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlint.runtime_check.options import ConfirmOptions

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    "__pypackages__",
    "build",
    "dist",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".gradlint_cache",
    ".ipynb_checkpoints",
)


@dataclass
class Settings:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    jobs: int | None = None
    use_cache: bool = True
    cache_dir: Path = Path(".gradlint_cache")
    #: The config file these came from, if any (for messages and the cache key).
    source: Path | None = None
    #: The folder patterns are relative to (the config file's folder, else the cwd).
    root: Path = field(default_factory=Path.cwd)
    #: ``[tool.gradlint.confirm]``: the runtime confirmer's options (None: no such table).
    confirm: ConfirmOptions | None = None

    def cache_key(self) -> str:
        """What, besides gradlint's version and a file's content, changes a file's findings."""
        return repr(
            (
                sorted(self.select) if self.select is not None else None,
                sorted(self.ignore),
                sorted(self.per_file_ignores.items()),
                # Slicing never changes findings; a run that turns it off to check exactly
                # that must not be answered from the other mode's cache.
                os.environ.get("GRADLINT_SLICING", "1") != "0",
            )
        )
