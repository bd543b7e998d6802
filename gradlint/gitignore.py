"""``respect-gitignore``: skip what git ignores while walking a folder, as ruff does.

Inside a git repository (a folder above or at the walked one holds ``.git``), the walk reads
``.git/info/exclude`` and every ``.gitignore`` from the repository's top down to each folder
it enters, and applies git's rules: the last matching pattern wins, deeper files win over
shallower ones, ``!`` re-includes, a trailing ``/`` matches folders only, and a pattern with a
``/`` in it (other than a trailing one) is relative to its file's folder. Outside a repository
nothing is ignored (ruff behaves the same). Files named on the command line are never tested:
only walked ones. Reading the patterns here, instead of asking ``git``, keeps a run free of a
subprocess and works where git is not installed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool


@dataclass(frozen=True)
class _RuleSet:
    """The patterns of one file, and the folder they are relative to (absolute, ``/``-free end)."""

    base: str
    patterns: tuple[_Pattern, ...]


class GitIgnore:
    """The ignore rules in force in each walked folder, built as the walk goes down."""

    def __init__(self, above_top: tuple[_RuleSet, ...], top_parent: str) -> None:
        self._above_top = above_top
        self._chains: dict[str, tuple[_RuleSet, ...]] = {top_parent: above_top}

    @classmethod
    def for_folder(cls, folder: os.PathLike[str] | str) -> GitIgnore | None:
        """The rules for walking ``folder``, or None when it is not inside a git repository."""
        top = os.path.abspath(folder)
        repo = _repository_top(top)
        if repo is None:
            return None
        chain: list[_RuleSet] = []
        info = _read_rules(os.path.join(repo, ".git", "info", "exclude"), repo)
        if info is not None:
            chain.append(info)
        if top != repo:
            # The .gitignore files of the folders above ``top``; its own is read on entry.
            above = [repo]
            relative = os.path.relpath(os.path.dirname(top), repo)
            if relative != ".":
                for part in relative.split(os.sep):
                    above.append(os.path.join(above[-1], part))
            for current in above:
                rules = _read_rules(os.path.join(current, ".gitignore"), current)
                if rules is not None:
                    chain.append(rules)
        return cls(tuple(chain), os.path.dirname(top))

    def enter(self, folder: str, has_gitignore: bool) -> tuple[tuple[_RuleSet, ...], str]:
        """The rules in force for the entries of ``folder``; ``has_gitignore`` says whether
        the folder's listing holds a ``.gitignore`` (the walk knows: no failed open per folder).
        """
        absolute = os.path.abspath(folder)
        parent = self._chains.get(os.path.dirname(absolute), self._above_top)
        own = _read_rules(os.path.join(absolute, ".gitignore"), absolute) if has_gitignore else None
        chain = parent + (own,) if own is not None else parent
        self._chains[absolute] = chain
        return chain, absolute

    @staticmethod
    def is_ignored(rules: tuple[tuple[_RuleSet, ...], str], name: str, is_dir: bool) -> bool:
        chain, folder = rules
        if not chain:
            return False
        path = f"{folder}{os.sep}{name}"
        for ruleset in reversed(chain):
            relative = None
            for pattern in reversed(ruleset.patterns):
                if pattern.dir_only and not is_dir:
                    continue
                if pattern.anchored:
                    if relative is None:
                        relative = path[len(ruleset.base) + 1 :].replace(os.sep, "/")
                    hit = pattern.regex.fullmatch(relative)
                else:
                    hit = pattern.regex.fullmatch(name)
                if hit:
                    return not pattern.negate
        return False


def _repository_top(folder: str) -> str | None:
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_rules(path: str, base: str) -> _RuleSet | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    patterns = tuple(p for p in (parse_pattern(line) for line in lines) if p is not None)
    return _RuleSet(base, patterns) if patterns else None


def parse_pattern(line: str) -> _Pattern | None:
    """One line of a ``.gitignore`` (see gitignore(5)), or None for blanks and comments."""
    # Trailing blanks are dropped, unless the last one is escaped ("\\ ").
    line = line.rstrip(" ") + " " if line.endswith("\\ ") else line.rstrip(" \t")
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith("\\"):  # a leading backslash escapes "!" or "#"
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    return _Pattern(re.compile(_translate(line)), negate, dir_only, anchored)


def _translate(glob: str) -> str:
    """A gitignore glob as a regular expression over ``/``-separated relative paths."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        ch = glob[i]
        if glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i) and (i == 0 or glob[i - 1] == "/") and i + 2 == n:
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            first = i + 2 if glob.startswith(("[!", "[^"), i) else i + 1
            end = glob.find("]", first + 1)
            if end == -1:
                out.append(re.escape(ch))
                i += 1
                continue
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        elif ch == "\\" and i + 1 < n:
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out)
