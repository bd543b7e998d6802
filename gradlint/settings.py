"""The effective configuration of one run, whatever it came from (defaults, file, flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlint.runtime_check.options import ConfirmOptions

from gradlint.defaults import DEFAULT_EXCLUDE

__all__ = ["DEFAULT_EXCLUDE", "Settings"]


@dataclass
class Settings:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    #: Apply the excludes to files named on the command line too (pre-commit names them).
    force_exclude: bool = False
    #: Skip what git ignores while walking folders (named files are always checked).
    respect_gitignore: bool = True
    #: Also report syntax errors (GL000) in files the prefilter would not parse.
    check_syntax: bool = False
    #: Read the project each file belongs to (imported helpers, callers); False (the
    #: ``--no-project`` flag, ``project = false``) analyzes every file in isolation.
    project: bool = True
    jobs: int | None = None
    use_cache: bool = True
    cache_dir: Path = Path(".gradlint_cache")
    #: The config file these came from, if any (for messages and the cache key).
    source: Path | None = None
    #: The folder patterns are relative to (the config file's folder, else the cwd).
    root: Path = field(default_factory=Path.cwd)
    #: ``[tool.gradlint.confirm]``: the runtime confirmer's options (None: no such table).
    confirm: ConfirmOptions | None = None

    def enabled_selection(self) -> tuple[list[str] | None, list[str]]:
        """``(select, ignore)`` with the ``extend-`` lists folded in."""
        select = self.select
        if self.extend_select:
            if select is None:  # the default selection: every rule that is on by default
                from gradlint.rules import DEFAULT_OFF, RULE_MODULES

                select = [code for code in RULE_MODULES if code not in DEFAULT_OFF]
            select = select + self.extend_select
        return select, self.ignore + self.extend_ignore

    def cache_key(self) -> str:
        """What, besides gradlint's version and a file's content, changes a file's findings."""
        return repr(
            (
                sorted(self.select) if self.select is not None else None,
                sorted(self.ignore),
                sorted(self.extend_select),
                sorted(self.extend_ignore),
                sorted(self.per_file_ignores.items()),
                self.check_syntax,
                self.project,
                # Slicing never changes findings; a run that turns it off to check exactly
                # that must not be answered from the other mode's cache.
                os.environ.get("GRADLINT_SLICING", "1") != "0",
            )
        )
