"""Parse only the top-level statements an edit touched, reusing LibCST's trees of the rest.

An editor asks for diagnostics after every pause in typing, and LibCST's parse of a
1,000-line file of training code is half of that analysis, although a keystroke changes one
statement. A file's LibCST tree is a list of top-level statements; each one's tree depends
only on its own text (with the comment and blank lines LibCST attaches to it) and on two
settings of the whole file, the default indentation and line break. So the text is cut at
the boundaries LibCST itself draws between top-level statements, each piece is parsed on its
own (or taken from the previous analysis of the same document when its text is unchanged),
and the pieces are put together into the module a whole-file parse would give: the same
nodes, the same fields (``tests/test_reparse.py`` compares the two on real files).

Where a boundary would be unclear the whole file is parsed as before: text that ``ast``
rejects, ``\\r`` or form-feed line breaks, a comment below an indented block at an
indentation that is neither the block's nor the next statement's, or a piece whose own
default indentation differs from the file's.

Where LibCST puts the lines between two top-level statements: lines up to and including the
last one that starts with the first statement's block indentation belong to that block (its
footer); the rest lead the next statement (its ``leading_lines``), or the file's footer
after the last one. Lines above the first statement are the module's header.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from gradlint.analyzer.python_ast import parse_python
from gradlint.analyzer.slicing import COMPOUND_STATEMENTS

_COMPOUND = COMPOUND_STATEMENTS
_TRY = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


@dataclass(frozen=True)
class _Piece:
    """What one piece of text parses to, placed at the start, middle or end of a module."""

    body: tuple[cst.BaseStatement, ...]
    header: tuple[cst.EmptyLine, ...]
    footer: tuple[cst.EmptyLine, ...]
    default_indent: str
    default_newline: str
    has_trailing_newline: bool
    encoding: str


class StatementReuse:
    """The pieces of the last parse of each document, to reuse in the next one.

    Only the last parse per path is kept: an editor's next version shares most of its text
    with the previous one, and older versions would only hold memory.
    """

    def __init__(self, max_documents: int = 32) -> None:
        self.max_documents = max_documents
        self._by_path: dict[str, dict[tuple[int, str], _Piece]] = {}
        #: How many pieces the last parse reused and parsed (for tests and benchmarks).
        self.reused = 0
        self.parsed = 0

    def parse(self, path: str, text: str) -> cst.Module | None:
        """The module LibCST would parse from ``text``; None when this cannot tell the
        boundaries apart for sure (the caller then parses the whole text)."""
        cut = cut_pieces(text)
        if cut is None:
            return None
        pieces, indent = cut
        previous = self._by_path.pop(path, {})
        current: dict[tuple[int, str], _Piece] = {}
        chosen: list[_Piece] = []
        self.reused = self.parsed = 0
        last = len(pieces) - 1
        for index, piece_text in enumerate(pieces):
            key = (_place(index, last), piece_text)
            # Each reused tree goes into the module once: two equal statements (a cell run
            # twice) must stay two nodes, as a whole-file parse makes them.
            piece = previous.pop(key, None)
            if piece is None:
                piece = _parse_piece(piece_text, key[0])
                if piece is None:
                    return None
                self.parsed += 1
            else:
                self.reused += 1
            current.setdefault(key, piece)
            chosen.append(piece)
        module = _assemble(chosen, indent)
        if module is None:
            return None
        self._by_path[path] = current
        while len(self._by_path) > self.max_documents:
            del self._by_path[next(iter(self._by_path))]
        return module

    def forget(self, path: str) -> None:
        self._by_path.pop(path, None)


def _place(index: int, last: int) -> int:
    return 0 if index == 0 else (2 if index == last else 1)


def cut_pieces(text: str) -> tuple[list[str], str] | None:
    """The text cut where LibCST's top-level statements begin (each piece: the lines that
    lead a statement, the statement, the lines its block owns), and the file's default
    indentation; None when a boundary is unclear."""
    if "\r" in text or "\f" in text or not text:
        return None
    tree = parse_python(text)
    if tree is None or not tree.body:
        return None
    lines = text.split("\n")
    # ``split`` leaves the text after the last line break as a last, possibly empty, line.
    groups = _statement_lines(tree.body)
    boundaries = [0]  # 0-based index of the first line of each piece
    for (_, last, stmt), (next_first, _, _) in zip(groups, groups[1:], strict=False):
        owned = _owned_end(lines, stmt, last, next_first)
        if owned is None:
            return None
        boundaries.append(owned)  # the next piece starts on the line after ``owned``
    pieces = []
    for number, begin in enumerate(boundaries):
        end = boundaries[number + 1] if number + 1 < len(boundaries) else len(lines)
        chunk = lines[begin:end]
        if number + 1 < len(boundaries):
            pieces.append("\n".join(chunk) + "\n")
        else:
            pieces.append("\n".join(chunk))
    indent = _default_indent(tree, lines)
    return pieces, indent


def _statement_lines(body: Sequence[ast.stmt]) -> list[tuple[int, int, ast.stmt]]:
    """First and last line (1-based) of each line group of top-level statements, with the
    group's last statement: statements that share a line (``a = 1; b = 2``) are one LibCST
    statement."""
    groups: list[tuple[int, int, ast.stmt]] = []
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        last = stmt.end_lineno or stmt.lineno
        if groups and first <= groups[-1][1]:
            groups[-1] = (groups[-1][0], max(groups[-1][1], last), stmt)
        else:
            groups.append((first, last, stmt))
    return groups


def _owned_end(lines: list[str], stmt: ast.stmt, last: int, next_first: int) -> int | None:
    """The last line (1-based) that the statement ending on line ``last`` owns, before the
    next statement starts on ``next_first``: the last line of the gap that starts with the
    indentation of the statement's last block, when it ends with one."""
    indent = _trailing_block_indent(stmt, lines)
    owned = last
    for number in range(last + 1, next_first):
        line = lines[number - 1]
        content = line.strip()
        if content and not content.startswith("#"):
            return None  # only comments and blank lines lie between statements
        if indent is not None and line.startswith(indent):
            owned = number
    return owned


def _trailing_block_indent(stmt: ast.stmt, lines: list[str]) -> str | None:
    """The indentation of the block that ends the top-level statement (its last clause), or
    None when the statement does not end with an indented block."""
    if isinstance(stmt, ast.Match):
        # The cases form the match statement's block; its footer owns what is indented as
        # deep as a ``case``.
        return _case_indent(stmt, lines)
    clause = _last_clause(stmt)
    if not clause:
        return None
    head = clause[0]
    line = lines[head.lineno - 1]
    prefix = line[: head.col_offset]
    if not prefix or prefix.strip():
        return None  # a one-line suite (``else: pass``) or a simple statement: no block
    return prefix


def _case_indent(stmt: ast.Match, lines: list[str]) -> str | None:
    """The indentation of the lines that start with ``case``."""
    if not stmt.cases:
        return None
    line = lines[stmt.cases[0].pattern.lineno - 1]
    prefix = line[: len(line) - len(line.lstrip())]
    return prefix if prefix and line.lstrip().startswith("case") else None


def _last_clause(stmt: ast.stmt) -> list[ast.stmt]:
    """The statements of the top-level statement's last clause (``else``, ``finally``, the
    last ``except`` or ``case``, the body)."""
    if not isinstance(stmt, _COMPOUND):
        return []
    if isinstance(stmt, _TRY):
        handlers = stmt.handlers
        return stmt.finalbody or stmt.orelse or (handlers[-1].body if handlers else stmt.body)
    if isinstance(stmt, ast.If):
        while len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If):
            inner = stmt.orelse[0]
            if inner.col_offset != stmt.col_offset:
                break  # an ``if`` nested in an ``else`` block, not an ``elif``
            stmt = inner
        return stmt.orelse or stmt.body
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return stmt.orelse or stmt.body
    return stmt.body


def _default_indent(tree: ast.Module, lines: list[str]) -> str:
    """LibCST's default indentation of the file: that of its first indented line of code
    (its first ``INDENT`` token), four spaces when there is none. That line is the first
    statement of the first clause, in the first top-level statement that has a block,
    which starts a line of its own (one level deep, so its whole indentation)."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Match) and stmt.cases:
            return _case_indent(stmt, lines) or "    "
        for clause in _clauses(stmt):
            head = clause[0]
            prefix = lines[head.lineno - 1][: head.col_offset]
            if prefix and not prefix.strip():
                return prefix
    return "    "


def _clauses(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists of a compound statement, in the order of the source."""
    if isinstance(stmt, ast.If):
        yield stmt.body
        orelse = stmt.orelse
        elif_ = len(orelse) == 1 and isinstance(orelse[0], ast.If)
        if elif_ and orelse[0].col_offset == stmt.col_offset:
            yield from _clauses(orelse[0])
            return
        if stmt.orelse:
            yield stmt.orelse
    elif isinstance(stmt, _TRY):
        yield stmt.body
        for handler in stmt.handlers:
            yield handler.body
        for clause in (stmt.orelse, stmt.finalbody):
            if clause:
                yield clause
    elif isinstance(stmt, ast.Match):
        for case in stmt.cases:
            yield case.body
    elif isinstance(stmt, _COMPOUND):
        yield stmt.body
        orelse = getattr(stmt, "orelse", None)
        if orelse:
            yield orelse


def _parse_piece(text: str, place: int) -> _Piece | None:
    from gradlint.analyzer.parsing import trusted_parse

    module = trusted_parse(text)
    if module is None or not module.body:
        return None
    body = tuple(module.body)
    header = tuple(module.header)
    if place != 0 and header:
        # Parsed alone, the lines above the statement are the piece's header; in the file
        # they lead the statement.
        first = body[0]
        body = (first.with_changes(leading_lines=(*header, *first.leading_lines)), *body[1:])
        header = ()
    return _Piece(
        body=body,
        header=header,
        footer=tuple(module.footer),
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        has_trailing_newline=module.has_trailing_newline,
        encoding=module.encoding,
    )


def _assemble(pieces: list[_Piece], indent: str) -> cst.Module | None:
    newline = "\n"
    for piece in pieces:
        if piece.default_indent != indent and _has_block(piece):
            return None
        if piece.default_newline != newline:
            return None
    first, last = pieces[0], pieces[-1]
    body = [stmt for piece in pieces for stmt in piece.body]
    return cst.Module(
        body=body,
        header=first.header,
        footer=last.footer,
        encoding=first.encoding,
        default_indent=indent,
        default_newline=newline,
        has_trailing_newline=last.has_trailing_newline,
    )


def _has_block(piece: _Piece) -> bool:
    """Whether the piece holds an indented block (whose ``indent=None`` means the default)."""
    stack: list[cst.CSTNode] = list(piece.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.IndentedBlock):
            return True
        if isinstance(node, cst.SimpleStatementLine):
            continue
        stack.extend(node.children)
    return False
