"""LibCST parsing that turns every failure into a located, one-line reason.

LibCST's own syntax errors are long and sometimes point past the real problem, so when it
fails we ask CPython's compiler for the message and position users know from tracebacks.
"""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Iterator

import libcst as cst

from gradlint.analyzer.sources import SourceError, SourceUnit

#: LibCST converts its parse tree recursively; deeply nested expressions need head room.
_RECURSION_LIMIT = 20_000
#: Brackets nested this deep (CPython's own limit is 200) are first shown to CPython: what it
#: rejects for depth never reaches LibCST's native parser, which can crash on it.
_DEEP_BRACKETS = 100
_BRACKET = re.compile(r"[()\[\]{}]")


def parse_unit(unit: SourceUnit, *, valid_python: bool = False) -> cst.Module | SourceError:
    """``valid_python``: CPython's parser has accepted the text already, so LibCST's checks
    of each node it builds can be skipped (they would pass)."""
    if not valid_python and _deeply_nested(unit.text):
        refused = _refused_by_python(unit)
        if refused is not None:
            return refused
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    trusted = _parser_output_trusted() if valid_python else contextlib.nullcontext()
    try:
        with trusted:
            return cst.parse_module(unit.text)
    except cst.ParserSyntaxError as exc:
        python_error = _python_syntax_error(unit.text)
        if python_error is None and "\t" in unit.text:
            retried = _parse_with_tabs_as_spaces(unit.text)
            if retried is not None:
                return retried
        line, column, reason = python_error or (
            exc.raw_line,
            exc.raw_column + 1,
            exc.message.splitlines()[0] if exc.message else "invalid syntax",
        )
        return located_error(unit, f"syntax error: {reason}", line, column)
    except RecursionError:
        return SourceError(unit.path, "cannot parse: expressions nested too deeply")
    except MemoryError:
        return SourceError(unit.path, "cannot parse: out of memory")
    except Exception as exc:  # LibCST raises a few other types on exotic input.
        return SourceError(unit.path, f"cannot parse: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        sys.setrecursionlimit(old_limit)


def trusted_parse(text: str) -> cst.Module | None:
    """LibCST's module for a text CPython has accepted (node checks skipped, as in
    :func:`parse_unit`), or None when LibCST fails on it."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        with _parser_output_trusted():
            return cst.parse_module(text)
    except Exception:  # noqa: BLE001 - the caller parses the whole file and reports that
        return None
    finally:
        sys.setrecursionlimit(old_limit)


_LEADING_TABS = re.compile(r"(?<![^\r\n])[ \f]*\t[ \t\f]*")


def _parse_with_tabs_as_spaces(text: str) -> cst.Module | None:
    """LibCST's tokenizer rejects some indentation that mixes tabs and spaces which CPython
    accepts (a block at one space, the next at a tab and a space). CPython only accepts
    indentation whose nesting is the same whether a tab counts as 8 columns or as 1, so
    each tab of leading whitespace becomes one space: the blocks stay the same, and so do
    every line's length and every column."""
    spaced = _LEADING_TABS.sub(lambda m: m.group().replace("\t", " "), text)
    try:
        return cst.parse_module(spaced)
    except Exception:  # noqa: BLE001 - the original error is reported instead
        return None


def _deeply_nested(text: str) -> bool:
    """Whether brackets may nest :data:`_DEEP_BRACKETS` deep (strings and comments count:
    this only decides whether CPython looks first)."""
    if text.count("(") + text.count("[") + text.count("{") < _DEEP_BRACKETS:
        return False
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth >= _DEEP_BRACKETS:
                return True
        elif depth:
            depth -= 1
    return False


def _refused_by_python(unit: SourceUnit) -> SourceError | None:
    """CPython's verdict on a deeply nested text, when it rejects it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(unit.text, "<gradlint>", "exec", flags=0x400, dont_inherit=True)  # ONLY_AST
    except SyntaxError as exc:
        reason = exc.msg or "invalid syntax"
        return located_error(unit, f"syntax error: {reason}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError):
        return SourceError(unit.path, "cannot parse: expressions nested too deeply")
    except ValueError:
        return None  # NUL bytes and the like: LibCST reports those as before
    return None


@contextlib.contextmanager
def _parser_output_trusted() -> Iterator[None]:
    """Skip LibCST's per-node validation while its parser builds a tree of valid Python.

    Every node LibCST creates checks itself in ``__post_init__`` (is a keyword followed by
    whitespace, are parentheses balanced...), which a parse of code CPython accepted
    satisfies: 15% of the parse. Only done while ``__post_init__`` is exactly that
    check (a call of ``_validate`` and nothing else), so another LibCST version that does
    more there keeps its own behavior."""
    base = cst.CSTNode
    original = base.__dict__.get("__post_init__")
    code = getattr(original, "__code__", None)
    if code is None or code.co_names != ("_validate",):
        yield
        return
    base.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        base.__post_init__ = original  # type: ignore[method-assign]


def _no_validation(self: cst.CSTNode) -> None:
    return None


def located_error(unit: SourceUnit, message: str, line: int, column: int) -> SourceError:
    """A SourceError at a line of ``unit.text``, mapped to its notebook cell when there is one."""
    cell, cell_line, file_line = unit.locate(line)
    where = f"cell {cell}, line {cell_line}" if cell is not None else f"line {line}"
    return SourceError(
        unit.path,
        f"{message} ({where})",
        line=cell_line,
        column=column,
        cell=cell,
        file_line=file_line,
    )


def _python_syntax_error(text: str) -> tuple[int, int, str] | None:
    """CPython's (line, column, message) for ``text``, or None if it compiles."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<gradlint>", "exec", flags=0x400, dont_inherit=True)  # ONLY_AST
    except SyntaxError as exc:
        return exc.lineno or 1, exc.offset or 1, exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError):
        return None
    return None
