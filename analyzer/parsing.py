"""LibCST parsing that turns every failure into a located, one-line reason."""

from __future__ import annotations

import sys

import libcst as cst
from gradlint.analyzer.sources import SourceError, SourceUnit

#: LibCST converts its parse tree recursively; deeply nested expressions need head room.
_RECURSION_LIMIT = 20_000


def parse_unit(unit: SourceUnit) -> cst.Module | SourceError:
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        return cst.parse_module(unit.text)
    except cst.ParserSyntaxError as exc:
        cell, line, _ = unit.locate(exc.raw_line)
        where = f"cell {cell}, " if cell is not None else ""
        message = (
            f"syntax error: {exc.message.splitlines()[0] if exc.message else 'invalid syntax'}"
        )
        return SourceError(
            unit.path, f"{message} ({where}line {line})", line=line, column=exc.raw_column + 1
        )
    except RecursionError:
        return SourceError(unit.path, "cannot parse: expressions nested too deeply")
    except MemoryError:
        return SourceError(unit.path, "cannot parse: out of memory")
    except Exception as exc:  # LibCST raises a few other types on exotic input.
        return SourceError(unit.path, f"cannot parse: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        sys.setrecursionlimit(old_limit)
