"""Turns a file on disk into the Python text the analyzer reads.

A ``.py`` file is its own text. A notebook (``.ipynb``) becomes its code cells joined in stored
order, with a map back to (cell, line in cell, line of the raw file) so findings point at what
the user sees. Reading never raises: every problem becomes a :class:`SourceError` that the
engine reports as ``GL000``.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

#: Where CPython and LibCST break lines (``str.splitlines`` also breaks at form feeds and
#: Unicode separators).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text.splitlines()``, breaking only where Python does (no empty last line after a
    final line break)."""
    lines = LINE_BREAK.split(text)
    if lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class CellSpan:
    """Where one notebook code cell sits inside :attr:`SourceUnit.text`.

    ``first_line`` is the 1-based line of ``text`` holding the cell's first source line;
    ``file_lines[i]`` is the 1-based line of the raw ``.ipynb`` file holding source line ``i``.
    """

    cell: int
    first_line: int
    line_count: int
    file_lines: tuple[int, ...] = ()


@dataclass
class SourceUnit:
    path: str
    text: str
    kind: str = "python"  # "python" or "notebook"
    encoding: str = "utf-8"
    newline: str = "\n"
    cells: list[CellSpan] = field(default_factory=list)
    raw: bytes = b""
    #: Where the prefilter found rule tokens in code (tokens -> offsets), when it already
    #: looked: a worker process then need not lex the text again.
    mentions: dict[tuple[str, ...], tuple[int, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: Notebook cells that do not parse on their own: each is blank in ``text`` (Jupyter still
    #: runs the other cells) and is reported as one GL000 at its cell.
    cell_errors: list[SourceError] = field(default_factory=list)

    def locate(self, line: int) -> tuple[int | None, int, int | None]:
        """Map a line of ``text`` to ``(cell, line within cell, raw file line)``."""
        if self.kind != "notebook":
            return None, line, None
        for span in self.cells:
            if span.first_line <= line < span.first_line + max(span.line_count, 1):
                offset = line - span.first_line
                file_line = span.file_lines[offset] if offset < len(span.file_lines) else None
                return span.cell, offset + 1, file_line
        return None, line, None


@dataclass(frozen=True)
class SourceError:
    """A file that cannot be analyzed; ``line`` is where the problem is, when known."""

    path: str
    message: str
    line: int = 1
    column: int = 1
    #: For a notebook: the cell (1-based among all cells) that ``line`` is counted in.
    cell: int | None = None
    #: For a notebook: the line of the raw ``.ipynb`` file, for annotations.
    file_line: int | None = None


def decode_python(raw: bytes, path: str) -> SourceUnit | SourceError:
    """Decode like the interpreter does: BOM, then PEP 263 coding cookie, else UTF-8."""
    if b"\x00" in raw:
        return SourceError(path, "not a text file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        return SourceError(path, f"cannot decode: {exc}")
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = raw[: getattr(exc, "start", 0)].count(b"\n") + 1
        return SourceError(path, f"cannot decode as {encoding}: {exc.reason}", line=line)
    if text.startswith("\ufeff"):
        text = text[1:]
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")
    return SourceUnit(path=path, text=text, encoding=encoding, newline=newline, raw=raw)


def read_source_bytes(fs_path: str | Path) -> bytes:
    """A source file's bytes: only a regular file is read (a FIFO, a device or a socket,
    even through a symlink, is an ``OSError`` saying so), and only up to a bound."""
    from gradlint.analyzer.reading import read_regular_file

    return read_regular_file(fs_path)


def load_source(
    fs_path: str | Path, display_path: str, required: tuple[bytes, ...] | None = None
) -> SourceUnit | SourceError | None:
    """Read one file. Notebooks are delegated to :mod:`gradlint.analyzer.notebooks`.

    With ``required``, a ``.py`` file containing none of those byte strings is not decoded
    at all (None): no rule could fire on it, and decoding every file of a large tree costs
    more than reading it.
    """
    try:
        raw = read_source_bytes(fs_path)
    except FileNotFoundError:
        return SourceError(display_path, "file vanished before it could be read")
    except IsADirectoryError:
        return SourceError(display_path, "is a directory")
    except OSError as exc:
        return SourceError(display_path, f"cannot read: {exc.strerror or exc}")
    if str(fs_path).endswith(".ipynb"):
        # Always read: a broken notebook must be reported (GL000) whatever it contains.
        from gradlint.analyzer import notebooks

        return notebooks.load_notebook(raw, display_path)
    if required is not None and not _may_contain(raw, required):
        return None
    return decode_python(raw, display_path)


def _may_contain(raw: bytes, required: tuple[bytes, ...]) -> bool:
    """Whether any of ``required`` is in ``raw``: most files of a tree hold none, and for
    them a few searches for substrings the tokens share (``adient`` for ``GradientTape``
    and the four ``...gradients(``) answer in a third of the time of one search per token."""
    if not any(needle in raw for needle in _needles(required)):
        return False
    return any(token in raw for token in required)


_NEEDLES: dict[tuple[bytes, ...], tuple[bytes, ...]] = {}
#: The length of a shared substring: long enough to be rare in code.
_HUB_LENGTH = 6


def _needles(required: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Substrings such that every token of ``required`` contains one (greedily, the one
    most tokens share first); a token sharing none is its own needle."""
    needles = _NEEDLES.get(required)
    if needles is None:
        left = set(required)
        chosen: list[bytes] = []
        while left:
            hubs: dict[bytes, set[bytes]] = {}
            for token in left:
                for i in range(len(token) - _HUB_LENGTH + 1):
                    hubs.setdefault(token[i : i + _HUB_LENGTH], set()).add(token)
            best = max(sorted(hubs), key=lambda hub: len(hubs[hub]), default=None)
            if best is None or len(hubs[best]) < 2:
                chosen.extend(sorted(left))
                break
            chosen.append(best)
            left -= hubs[best]
        needles = _NEEDLES[required] = tuple(chosen)
    return needles
