"""CPython's ``ast`` of a file's text, parsed once however many parts of the analysis ask.

The slicer, the project model's module index and the line table of
:mod:`gradlint.analyzer.positions` all read the same text with ``ast``; for a 1,000-line file
each parse costs about a tenth of LibCST's, so three of them were a noticeable part of an
editor's wait after a keystroke. The trees are shared read-only: nobody may change them.
"""

from __future__ import annotations

import ast
import warnings

#: The last few texts parsed (a file, its slice, a notebook's code): enough for one file's
#: analysis, small enough that the trees of earlier files are let go.
_KEEP = 3
_recent: dict[str, ast.Module | None] = {}


def parse_python(text: str) -> ast.Module | None:
    """The module ``ast`` parses from ``text``; None when CPython rejects it."""
    tree = _recent.pop(text) if text in _recent else _parse(text)
    _recent[text] = tree  # most recent last
    while len(_recent) > _KEEP:
        del _recent[next(iter(_recent))]
    return tree


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
