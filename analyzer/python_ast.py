"""CPython's ``ast`` of a file's text, parsed once however many parts of the analysis ask.

The slicer, the project model's module index and the line table of
:mod:`gradlint.analyzer.positions` all read the same text with ``ast``; for a 1,000-line file
each parse costs about a tenth of LibCST's, so three of them were a noticeable part of an
editor's wait after a keystroke. The trees are shared read-only: nobody may change them.
"""

from __future__ import annotations

import ast
import threading
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


def parse_part(text: str) -> ast.Module | None:
    """A part of a file (not kept for others: nobody else asks for it)."""
    return _parse(text)


#: A file's top-level statements where the slicer parsed only some of them (the others as
#: stubs that name what they define): enough for the project index, and only for it.
_outlines: dict[str, list[ast.stmt]] = {}


_outlines_lock = threading.Lock()  # an editor or an API user may lint from several threads


def remember_outline(text: str, body: list[ast.stmt] | None) -> None:
    with _outlines_lock:
        _outlines.pop(text, None)
        if body is not None:
            _outlines[text] = body
            while len(_outlines) > _KEEP:
                del _outlines[next(iter(_outlines))]


def forget_outline(text: str) -> None:
    with _outlines_lock:
        _outlines.pop(text, None)


def outline(text: str) -> list[ast.stmt] | None:
    """The top-level statements :func:`remember_outline` was given for ``text``, if any."""
    return _outlines.get(text)


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
