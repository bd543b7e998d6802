"""Sliced parsing: hand LibCST only the top-level statements that can matter.

LibCST parses about ten times slower than CPython's own parser, and in real libraries the
functions that hold a ``GradientTape`` are a small part of the files that mention one. So
CPython's ``ast`` finds the top-level statements first, and each run of statements no rule
can look at is replaced by one empty line. Kept lines are copied whole, so columns stay
exactly as they were; :attr:`Slice.line_map` takes a line of the slice back to the file's,
and :meth:`ModuleContext.position <gradlint.analyzer.context.ModuleContext.position>`
applies it, so rules, suppressions and fixes only ever see the file's own positions.

What is kept, so that every rule sees the same facts as with the whole file:

- all module-level code that is not a ``def``/``class`` or an import (optimizer and model
  constructions, loops that call the step function, ``if __name__ == "__main__"``): it is
  small, and rules read module-wide facts from it. If it mentions a tape itself, the module
  is a script and nothing is dropped. Imports are dropped unless they name a tape class
  (an alias); the slice carries them all as facts;
- every ``def``/``class`` whose code (not a docstring or comment) contains one of the rules'
  ``required_text`` tokens, or a name bound to a tape class by an import inside such a statement;
- transitively, every ``def``/``class`` that binds, at any depth, a name the kept code
  mentions: same-module helpers and base classes, and nested definitions that would change
  how a name resolves (imports anywhere in the file are read by ``ast`` and handed to the
  analyzer as :class:`~gradlint.analyzer.names.ImportFacts`, so they keep nothing);
- every ``def``/``class`` with a loop that mentions a function holding a tape (the step is
  called from a loop: training intent).

Methods that only name an optimizer attribute (``self.opt = optimizer``) are dropped like
any other: GL001 reads them only for gradients that are never used, and then asks for the
whole file (:attr:`Slice.optimizer_classes`).

Only whole top-level statements (and members of top-level classes) are dropped, with the
comments LibCST would attach to them, so each kept statement keeps its own comments (rules
read commented-out code). When ``ast`` cannot parse the text, nothing is sliced and LibCST
reports the error exactly as before.

In a large file, ``ast`` itself does not parse every statement: :mod:`.outline` cuts the text
where top-level statements begin, and a large ``def``/``class`` without a token is read from
the text only (an :class:`_OpaqueUnit`). If the choice would keep one, or cannot tell without
its tree, it is parsed and the choice is made again, so the slice is the one the whole file's
``ast`` gives.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gradlint.analyzer.outline import Piece, cut
from gradlint.analyzer.python_ast import forget_outline, remember_outline
from gradlint.analyzer.sources import LINE_BREAK

if TYPE_CHECKING:
    from gradlint.analyzer.names import ImportFacts

_DROPPABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
#: Indentation with a tab, and indentation with a space (where a tab may follow).
#: (``(?<![^\r\n])`` is a line start after any of the three line endings, unlike ``^``.)
_MIXED_INDENT = re.compile(r"(?<![^\r\n])[ \f]*\t")
_SPACE_INDENT = re.compile(r"(?<![^\r\n])\t*[ \f]")
#: A line holding only a backslash (CPython accepts it; LibCST does not).
_LONE_BACKSLASH = re.compile(r"(?<![^\r\n])[ \t\f]*\\(?:\r\n|\r|\n)")
#: Where ``str.splitlines`` breaks lines but Python does not.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_WORD = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class Slice:
    """The text LibCST parses: the kept lines of the source, one empty line for each run of
    dropped ones."""

    text: str
    kept_lines: int
    total_lines: int
    #: The imports and definitions of the whole file: names resolve in the slice exactly
    #: as in the file, so a statement is never kept only for an import it holds.
    import_facts: ImportFacts
    #: The line of the source each line of ``text`` is (index 0: line 1 of ``text``).
    line_map: tuple[int, ...]
    #: Kept classes some of whose dropped methods may name an optimizer (``self.opt``).
    #: Only a rare question needs them (GL001's intent check, for unused gradients): the
    #: analyzer then asks for the whole file (:class:`~gradlint.analyzer.context.NeedsWholeFile`).
    optimizer_classes: frozenset[str] = frozenset()
    #: The runs of the source's lines that were dropped (first, last; 1-based, inclusive):
    #: a rule can check that nothing in them bears on a finding before stating it from the
    #: slice (:mod:`gradlint.analyzer.slice_evidence`).
    dropped_lines: tuple[tuple[int, int], ...] = ()
    #: Kept classes that lost some of their members.
    partial_classes: frozenset[str] = frozenset()
    #: No statement holds a token where a rule could use it (only non-optimizer classes'
    #: ``def apply_gradients(``): there is nothing to parse, and no rule has anything to say.
    empty: bool = False


def slice_source(text: str, tokens: Iterable[str]) -> Slice | None:
    """The sliced text, or None when the whole text must be parsed (nothing to gain, or
    ``ast`` rejects it and LibCST must produce the error message)."""
    from gradlint.analyzer.code_mentions import code_mentions

    tokens = tuple(t for t in tokens if t)
    if not tokens:
        return None
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        # ``ast`` normalizes identifiers (NFKC) and LibCST keeps them as written, and the
        # slicer matches ``ast``'s names against the text: not where they may differ.
        return None
    if "\t" in text and _MIXED_INDENT.search(text) and _SPACE_INDENT.search(text):
        return None  # tabs and spaces: LibCST's tokenizer may reject what CPython accepts
    if ("\\\n" in text or "\\\r" in text) and _LONE_BACKSLASH.search(text):
        return None  # a line that is only a continuation: LibCST rejects it
    lines = _split_lines(text)
    where = _Where(text, lines)
    offsets = code_mentions(text, tokens)
    pieces = cut(text, lines, where.starts, offsets)
    items = _parse_pieces(text, pieces) if pieces is not None else None
    if items is None:
        tree = _parse(text)
        if tree is None:
            return None
        items = tree.body
    if len(items) < 2:
        return None
    mentions = where.lines_of(offsets)
    while True:
        chosen = _slice_units(items, lines, tokens, offsets, mentions, where)
        if chosen is None:
            return None
        units, words, held, needed = chosen
        if not needed:
            break
        # The slicer may keep statements it was not given: parse them, and choose again.
        items = _parse_needed(text, items, needed)
        if items is None:
            tree = _parse(text)
            if tree is None:
                return None
            items = tree.body
    if not any(isinstance(item, Piece) for item in items):
        forget_outline(text)
    else:
        remember_outline(text, _index_body(items))
    opaque_definitions = [u.bound for u in units if u.opaque]
    if not held:
        return Slice(
            "",
            0,
            len(lines),
            _import_facts((u.statements for u in units), opaque_definitions),
            (),
            empty=True,
        )
    if len(words) > len(tokens):
        # A tape class imported under another name: module-level code that uses that name
        # holds a tape too, and then the module is a script after all.
        aliased = where.lines_naming(words - set(tokens))
        if any(not u.droppable and _any_between(aliased, u.first, u.last) for u in units):
            return None
    return _assemble(units, lines, where, opaque_definitions)


def _slice_units(
    items: list,
    lines: list[str],
    tokens: tuple[str, ...],
    offsets: list[int],
    mentions: list[int],
    where: _Where,
) -> tuple[list[_Unit], set[str], bool, set[_Unit]] | None:
    """The module's units with what to keep marked, the words that name a tape class,
    whether a token is held, and the opaque units the choice needs parsed; None for a
    script (nothing is sliced)."""
    units = [
        _OpaqueUnit(item, lines) if isinstance(item, Piece) else _Unit(item, lines, None)
        for item in items
    ]
    for index, unit in enumerate(units):
        if (
            isinstance(unit.node, ast.Import | ast.ImportFrom)
            and not unit.mentions(mentions)
            and (index == 0 or units[index - 1].last < unit.first)
            and (index + 1 == len(units) or unit.last < units[index + 1].first)
        ):
            # The slice carries every import as ImportFacts: the statement itself can go
            # (unless it shares a line with another statement: ``import x; y = 1``).
            unit.droppable, unit.keep, unit.why = True, False, ""
    if any(not u.droppable and u.mentions(mentions) for u in units):
        return None  # a script: module-level code holds the tape and reads everything
    _assign_regions(units, lines, 0, len(lines) + 1)
    words, held, needed = _choose(units, tokens, offsets, where)
    return units, words, held, needed


def _assemble(
    units: list[_Unit], lines: list[str], where: _Where, opaque_definitions: list[set[str]]
) -> Slice | None:
    """The slice's text and line map from the units marked to keep."""
    if all(u.keep and (u.members is None or all(m.keep for m in u.members)) for u in units):
        return None
    keep_line = [True] * (len(lines) + 1)
    for unit in units:
        if not unit.keep:
            for number in range(unit.start, unit.end + 1):
                keep_line[number] = False
        elif unit.members is not None:
            for member in unit.members:
                if not member.keep:
                    for number in range(member.start, member.end + 1):
                        keep_line[number] = False
    parts = []
    line_map = []
    dropped: list[tuple[int, int]] = []
    kept_lines = 0
    for number, line in enumerate(lines, start=1):
        if keep_line[number]:
            parts.append(line)
            line_map.append(number)
            kept_lines += 1
            continue
        if keep_line[number - 1]:
            dropped.append((number, number))
            if line.endswith(("\n", "\r")):
                # One empty line stands for the whole dropped run: LibCST turns every empty
                # line into a node, and thousands of them cost a third of the parse.
                parts.append(line[len(line.rstrip("\r\n")) :])
                line_map.append(number)
        else:
            dropped[-1] = (dropped[-1][0], number)
    facts = _import_facts((unit.statements for unit in units), opaque_definitions)
    if any(_libcst_rejects(stmt) for unit in units for stmt in unit.statements):
        return None
    sliced_classes = [
        unit
        for unit in units
        if unit.keep and unit.members is not None and not all(m.keep for m in unit.members)
    ]
    optimizer_lines = where.lines_matching(_OPTIMIZER_ATTRIBUTE) if sliced_classes else []
    partial = frozenset(
        unit.node.name  # type: ignore[attr-defined]
        for unit in sliced_classes
        if any(not m.keep and _any_between(optimizer_lines, m.first, m.last) for m in unit.members)
    )
    return Slice(
        "".join(parts),
        kept_lines,
        len(lines),
        facts,
        tuple(line_map),
        partial,
        tuple(dropped),
        frozenset(unit.node.name for unit in sliced_classes),  # type: ignore[attr-defined]
    )


def import_facts(tree: ast.Module) -> ImportFacts:
    """What :class:`~gradlint.analyzer.names.ImportMap` records for the whole module, read
    from ``ast`` in source order (a later import of a name replaces an earlier one)."""
    return _import_facts(list(_statements(top)) for top in tree.body)


def _libcst_rejects(stmt: ast.stmt) -> bool:
    """Syntax CPython accepts and LibCST cannot parse: if it is in code the slice drops,
    slicing would hide the parse error the whole file gets. A parenthesized annotated target
    (``(total): int = 0``, ``(self.x): int``), and a class whose keyword comes before a
    ``*bases`` (``class A(metaclass=M, *bases)``)."""
    if type(stmt) is ast.AnnAssign:
        target = stmt.target
        return (target.lineno, target.col_offset) != (stmt.lineno, stmt.col_offset)
    if type(stmt) is ast.ClassDef and stmt.keywords:
        starred = [b for b in stmt.bases if type(b) is ast.Starred]
        first_keyword = min((k.lineno, k.col_offset) for k in stmt.keywords)
        return any((b.lineno, b.col_offset) > first_keyword for b in starred)
    return False


def _import_facts(
    statement_lists: Iterable[list[ast.stmt]], more_definitions: Iterable[set[str]] = ()
) -> ImportFacts:
    """``more_definitions``: the names opaque statements define (they import nothing)."""
    from gradlint.analyzer.names import ImportFacts

    aliases: dict[str, str] = {}
    definitions: set[str] = set()
    for names in more_definitions:
        definitions |= names
    imports: list[ast.Import | ast.ImportFrom] = []
    for statements in statement_lists:
        for node in statements:  # statements only: imports and defs are never inside
            if isinstance(node, ast.Import | ast.ImportFrom):  # an expression
                imports.append(node)
            elif isinstance(node, _DROPPABLE):
                definitions.add(node.name)
    imports.sort(key=lambda node: (node.lineno, node.col_offset))
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    aliases.setdefault(head, head)
        elif not node.level and node.module:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return ImportFacts(aliases, frozenset(definitions))


def _parse(text: str) -> ast.Module | None:
    from gradlint.analyzer.python_ast import parse_python

    return parse_python(text)


class _Where:
    """Line numbers of offsets in the text, and of a pattern's matches: one search over the
    whole text instead of one per statement."""

    def __init__(self, text: str, lines: list[str]) -> None:
        self.text = text
        self.starts = list(itertools.accumulate(map(len, lines), initial=0))

    def lines_of(self, offsets: Iterable[int]) -> list[int]:
        """The lines (sorted, 1-based) holding these offsets."""
        return sorted({bisect.bisect_right(self.starts, offset) for offset in offsets})

    def lines_naming(self, words: Iterable[str]) -> list[int]:
        """Every line (sorted) on which one of ``words`` occurs as a whole word. Found with
        ``str.find``: a pattern of alternatives that starts with a look-behind is tried at
        every offset of the text, many times slower on a large file."""
        text = self.text
        covered: set[int] = set()
        for word in words:
            size = len(word)
            offset = text.find(word)
            while offset != -1:
                end = offset + size
                if not (offset and _is_word_char(text[offset - 1])) and not (
                    end < len(text) and _is_word_char(text[end])
                ):
                    covered.add(bisect.bisect_right(self.starts, offset))
                offset = text.find(word, offset + 1)
        return sorted(covered)

    def lines_matching(self, pattern: re.Pattern[str]) -> list[int]:
        """Every line (sorted) that a match of ``pattern`` covers. A statement whose own
        text has a match has one of its lines here (a match running on into the next
        statement counts for both)."""
        covered: set[int] = set()
        for match in pattern.finditer(self.text):
            first = bisect.bisect_right(self.starts, match.start())
            last = bisect.bisect_right(self.starts, max(match.end() - 1, match.start()))
            covered.update(range(first, last + 1))
        return sorted(covered)


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split where CPython and LibCST see a newline (not where
    ``str.splitlines`` does: form feeds and Unicode separators are not line breaks)."""
    if not _OTHER_BREAKS.search(text):
        return text.splitlines(keepends=True)  # the same lines, split in C
    lines = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


class _Unit:
    """A statement of the module body, or of a class body: what can be kept or dropped."""

    #: A statement not parsed (see :class:`_OpaqueUnit`).
    opaque = False

    def __init__(self, node: ast.stmt, lines: list[str], parent: _Unit | None) -> None:
        self.node = node
        self.lines = lines
        # A class and its members must not form a cycle: the trees they hold are then
        # freed as soon as the file is sliced, instead of by the cycle collector.
        self._parent = weakref.ref(parent) if parent is not None else None
        self.droppable = isinstance(node, _DROPPABLE)
        self.first, self.last = _span(node)
        self.block = _trailing_block_indent(node, lines)
        self.keep = not self.droppable
        #: Why it is kept (for tests and for tuning the slicer).
        self.why = "" if self.droppable else "module code"
        #: The lines LibCST attaches to this statement: leading comments, code, footer.
        self.start = self.first
        self.end = self.last
        #: Whether the lines after its footer hold a comment (or whitespace) indented
        #: deeper than itself, which an earlier block could claim.
        self.indented_after = False
        #: For a class whose members are kept or dropped one by one.
        self.members: list[_Unit] | None = None
        if (
            parent is None
            and isinstance(node, ast.ClassDef)
            and len(node.body) > 1
            and _starts_line(node.body[0], lines)
        ):
            self.members = [_Unit(member, lines, self) for member in node.body]
            for member in self.members:
                member.keep = False
        self._text: str | None = None
        self._statements: list[ast.stmt] | None = None
        self._references: set[str] | None = None
        self._attributes: set[str] | None = None
        self._bound: set[str] | None = None
        self._assigned: set[str] | None = None
        self._any_assigned: set[str] | None = None

    @property
    def parent(self) -> _Unit | None:
        return self._parent() if self._parent is not None else None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self.lines[self.first - 1 : self.last])
        return self._text

    @property
    def statements(self) -> list[ast.stmt]:
        """The statement and every statement nested in it, read once and shared by all
        the questions asked about it."""
        if self._statements is None:
            self._statements = list(_statements(self.node))
        return self._statements

    def mentions(self, lines: list[int]) -> bool:
        """Whether a token occurs in this statement's code (``lines``: where it does)."""
        return _any_between(lines, self.first, self.last)

    def segment(self, node: ast.stmt) -> str:
        first, last = _span(node)
        return "".join(self.lines[first - 1 : last])

    def own_mention(self, lines: list[int]) -> bool:
        """Whether a token is in the code of the class outside its methods and nested
        classes (header, decorators, class-level code): then that part of the class is kept."""
        assert self.members is not None
        inside = [
            line
            for line in lines
            if self.first <= line <= self.last
            and not any(m.droppable and m.first <= line <= m.last for m in self.members)
        ]
        return bool(inside)

    @property
    def references(self) -> set[str]:
        """Names the statement reads or calls (what it may need from the rest of the module);
        for a class sliced member by member, only its header's; for module or class code,
        only those of the functions and classes defined inside it."""
        if self._references is None:
            self._collect_references()
        assert self._references is not None
        return self._references

    @property
    def attributes(self) -> set[str]:
        """Attributes of ``self``/``cls``/``super()`` it reads or calls (``self.helper()``
        needs the method, ``self.w`` the method that binds it)."""
        if self._attributes is None:
            self._collect_references()
        assert self._attributes is not None
        return self._attributes

    def _collect_references(self) -> None:
        names: set[str] = set()
        attributes: set[str] = set()
        if self.members is not None:
            node = self.node
            assert isinstance(node, ast.ClassDef)
            roots: list[ast.AST] = [*node.bases, *node.keywords, *node.decorator_list]
        elif self.droppable:
            roots = [self.node]
        else:  # module or class code: only the functions and classes defined inside it
            roots = [stmt for stmt in self.statements[1:] if isinstance(stmt, _DROPPABLE)]
        stack = roots  # what ast.walk visits, without its generators (a hot loop)
        while stack:
            node = stack.pop()
            if type(node) is ast.Name:
                names.add(node.id)
                continue
            if type(node) is ast.Attribute and _is_self(node.value):
                attributes.add(node.attr)
            for field in node._fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    stack.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                    stack.append(value)
        self._references, self._attributes = names, attributes

    @property
    def assigned_attributes(self) -> set[str]:
        """``X`` for every ``self.X = <call or tuple>`` in it: ``self.w = tf.Variable(...)``
        makes ``self.w`` weights for the methods that differentiate it."""
        if self._assigned is None:
            self._assigned, self._any_assigned = self._assignments()
        return self._assigned

    @property
    def any_assigned_attributes(self) -> set[str]:
        """``X`` for every ``self.X = ...`` in it, whatever the value (``self._optimizer =
        optimizer``: what an optimizer class's override hands its gradients to)."""
        if self._any_assigned is None:
            self._assigned, self._any_assigned = self._assignments()
        return self._any_assigned

    def _assignments(self) -> tuple[set[str], set[str]]:
        built: set[str] = set()
        anything: set[str] = set()
        for stmt in self.statements:
            if isinstance(stmt, ast.Assign):
                targets = list(stmt.targets)
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
                targets = [stmt.target]
            else:
                continue
            names = _self_attributes(targets)
            anything |= names
            if not isinstance(stmt, ast.AugAssign) and isinstance(
                stmt.value, ast.Call | ast.Tuple | ast.List
            ):
                built |= names
        return built, anything

    @property
    def bound(self) -> set[str]:
        """Names it binds at any depth that module-wide lookups can see: its own name and
        nested ``def``/``class`` names. (Imports anywhere are module-wide facts too, but the
        slice carries them as :class:`ImportFacts`, so they keep nothing.)"""
        if self._bound is None:
            self._bound = {stmt.name for stmt in self.statements if isinstance(stmt, _DROPPABLE)}
        return self._bound


class _OpaqueUnit(_Unit):
    """A large top-level ``def``/``class`` that was not parsed (:mod:`.outline`): what the
    slicer asks of a statement it drops, read from the text. Marking it to keep asks for
    its parse instead (:attr:`_Choice.needed`)."""

    opaque = True

    def __init__(self, piece: Piece, lines: list[str]) -> None:
        self.piece = piece
        self.node = None  # type: ignore[assignment]
        self.lines = lines
        self._parent = None
        self.droppable = True
        self.first, self.last = piece.first, piece.last
        self.body_indent = piece.body_indent
        self.block = len(piece.body_indent or "")
        self.keep = False
        self.why = ""
        self.start = self.first
        self.end = self.last
        self.indented_after = False
        self.members = None
        self._text = None
        self._statements = list(piece.imports)  # all its statements a question may read
        self._references = set()
        self._attributes = set()
        self._bound = set(piece.defined)
        self._assigned = set()
        self._any_assigned = set()
        #: Attributes it may assign (a superset: anything that reads like a target).
        self.may_assign = set(piece.may_assign)


def _parse_pieces(text: str, pieces: list[Piece]) -> list | None:
    """The module's statements: ``ast`` nodes for each run of parsed pieces, the opaque
    pieces as they are; None when a run does not parse (the whole file is then parsed,
    and decides)."""
    items: list = []
    run: list[Piece] = []

    def flush() -> bool:
        if run:
            body = _parse_lines(text, run[0].first, run[0].start, run[-1].end)
            if body is None:
                return False
            items.extend(body)
            run.clear()
        return True

    for piece in pieces:
        if piece.opaque:
            if not flush():
                return None
            items.append(piece)
        else:
            run.append(piece)
    return items if flush() else None


def _parse_lines(text: str, first: int, start: int, end: int) -> list[ast.stmt] | None:
    """The statements of ``text[start:end]`` (which begins line ``first``), numbered as in
    the file."""
    from gradlint.analyzer.python_ast import parse_part

    tree = parse_part("\n" * (first - 1) + text[start:end])
    return None if tree is None else tree.body


def _parse_needed(text: str, items: list, needed: set[_Unit]) -> list | None:
    wanted = {id(unit.piece) for unit in needed}  # type: ignore[attr-defined]
    result: list = []
    for item in items:
        if isinstance(item, Piece) and id(item) in wanted:
            body = _parse_lines(text, item.first, item.start, item.end)
            if body is None:
                return None
            result.extend(body)
        else:
            result.append(item)
    return result


def _index_body(items: list) -> list[ast.stmt] | None:
    """The module's top-level statements for :class:`~gradlint.analyzer.project.Project`'s
    index (imports, functions, classes with their bases and methods), with each opaque
    piece as a stub that says only that; None when a stub does not parse."""
    from gradlint.analyzer.python_ast import parse_part

    body: list[ast.stmt] = []
    for item in items:
        if not isinstance(item, Piece):
            body.append(item)
            continue
        if item.kind == "class":
            members = "".join(f" def {name}(): pass\n" for name in item.methods) or " pass\n"
            source = f"{item.header}\n{members}"
        else:
            source = f"def {item.name}(): pass\n"
        stub = parse_part(source)
        if stub is None or len(stub.body) != 1:
            return None
        body.append(stub.body[0])
    return body


def _self_attributes(targets: list[ast.expr]) -> set[str]:
    """``X`` for each ``self.X`` (or ``cls.X``) among assignment targets, unpacked."""
    names: set[str] = set()
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Attribute) and _is_self(target.value):
            names.add(target.attr)
        elif isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
        elif isinstance(target, ast.Starred):
            targets.append(target.value)
    return names


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _span(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return first, node.end_lineno or node.lineno


def _leaves(units: list[_Unit]) -> list[_Unit]:
    """Units kept or dropped as a whole: module statements, and members of sliced classes."""
    leaves: list[_Unit] = []
    for unit in units:
        leaves.extend(unit.members if unit.members is not None else (unit,))
    return leaves


class _Choice:
    """The growing set of kept units and what the kept code refers to."""

    def __init__(self, units: list[_Unit]) -> None:
        self.units = units
        self.leaves = _leaves(units)
        self.names: set[str] = set()
        self.attributes: set[str] = set()
        #: Classes whose members are kept for any assignment of an attribute kept code reads.
        self.thorough: set[_Unit] = set()
        #: Opaque units the choice would keep, or could keep, had they been parsed.
        self.needed: set[_Unit] = set()
        for leaf in self.leaves:
            if leaf.keep:
                self._refer(leaf)

    def _refer(self, unit: _Unit) -> None:
        """Only functions and classes pull in what they name: module-level and class-level
        code is kept for the facts it states (optimizers, loops, bindings), and the rules
        analyze it as code only in scripts, which are never sliced. (Functions defined
        inside such code, under a ``try`` or an ``if``, are functions all the same.)"""
        self.names |= unit.references
        self.attributes |= unit.attributes

    def mark(self, leaf: _Unit, why: str, *, refer: bool = True) -> None:
        """Keep ``leaf`` (and the frame of its class). ``refer=False`` keeps it only for a
        fact it states, so what it names is not pulled in: no rule analyzes it as code."""
        if leaf.opaque:
            self.needed.add(leaf)  # parsed, and the choice made again
            return
        if leaf.members is not None:
            leaf = leaf.members[0]  # a class sliced by members: keep its frame
        if leaf.keep and (leaf.parent is None or leaf.parent.keep):
            return
        leaf.keep = True
        leaf.why = why
        if refer:
            self._refer(leaf)
        parent = leaf.parent
        if parent is not None and not parent.keep:
            parent.keep = True
            self.names |= parent.references  # bases, keywords and decorators
            assert parent.members is not None
            for i, member in enumerate(parent.members):
                if i == 0 or not member.droppable:
                    member.keep = True
                    member.why = "class body"
                    self._refer(member)

    def unkept(self) -> list[_Unit]:
        return [leaf for leaf in self.leaves if not leaf.keep and leaf not in self.needed]


def _any_between(lines: list[int], first: int, last: int) -> bool:
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def _choose(
    units: list[_Unit], tokens: tuple[str, ...], offsets: list[int], where: _Where
) -> tuple[set[str], bool, set[_Unit]]:
    """Marks what to keep; returns the words that name a tape class (tokens and aliases),
    and whether any statement was kept for a token (else no rule has anything to read).

    ``def apply_gradients(`` is read only by the check of optimizer classes' own updates: a
    statement that mentions no other token is kept for it only where it may define one."""
    choice = _Choice(units)
    text = where.text
    override = [o for o in offsets if text.startswith(_OVERRIDE_TOKEN, o)]
    mentions = where.lines_of(o for o in offsets if not text.startswith(_OVERRIDE_TOKEN, o))
    overrides = where.lines_of(override)
    for unit in units:
        if unit.members is not None and unit.own_mention(mentions):
            choice.mark(unit.members[0], "class text")
    held = any(leaf.keep for leaf in choice.leaves if leaf.why == "class text")
    bindings = _bindings(units) if overrides else {}
    for leaf in choice.unkept():
        if leaf.mentions(mentions) or (
            leaf.mentions(overrides) and _may_hold_an_override(leaf, bindings)
        ):
            choice.mark(leaf, "token")
            held = True
    # An import of the tape class under another name makes that name a token too.
    words = set(tokens)
    aliases = _tape_aliases([leaf for leaf in choice.leaves if leaf.keep], tokens)
    while aliases - words:
        words |= aliases
        matched = where.lines_naming(aliases)
        aliases = set()
        for leaf in choice.unkept():
            if _any_between(matched, leaf.first, leaf.last):
                choice.mark(leaf, "tape alias")
                held = True
                aliases |= _tape_aliases([leaf], tokens)
    if _OVERRIDE_TOKEN in tokens:
        _keep_overriding_classes(units, choice)
    kept = [leaf for leaf in choice.leaves if leaf.keep]
    steps = _step_names(kept, tuple(words))
    if steps:
        matched = where.lines_naming(steps)
        for leaf in choice.unkept():
            if _any_between(matched, leaf.first, leaf.last) and _loops_mention(
                leaf, steps, matched
            ):
                choice.mark(leaf, "loop calls step", refer=False)
    choice.mark(units[0], "first statement")
    while (
        _close_over_references(choice)
        | _keep_comment_owners(units, choice)
        | _keep_first_indent(units, choice)
    ):
        pass
    return words, held, choice.needed


def _bindings(units: list[_Unit]) -> dict[str, set[str]]:
    """Every name an import anywhere in the module binds, to all it may stand for
    (relative imports keep their dots)."""
    bindings: dict[str, set[str]] = {}
    for unit in units:
        if unit.opaque:
            nodes = unit.statements  # its imports, read by the outline
        elif "import" in unit.text:
            nodes = [unit.node]
        else:
            continue
        for node in nodes:
            for local, imported in _imports(node):
                bindings.setdefault(local, set()).add(imported)
    return bindings


def _may_hold_an_override(leaf: _Unit, bindings: dict[str, set[str]]) -> bool:
    """Whether ``def apply_gradients(`` in ``leaf`` may be an optimizer class's own update
    (:mod:`gradlint.analyzer.overrides`): a method of a class that is, or may be, an
    optimizer class. A superset of that module's test, read from ``ast``: the class's name
    or a base's (as written, or as an import binds it) reads like an optimizer's."""
    classes = [stmt for stmt in leaf.statements if isinstance(stmt, ast.ClassDef)]
    parent = leaf.parent
    if parent is not None and isinstance(parent.node, ast.ClassDef):
        classes.append(parent.node)
    return any(_defines_the_override(c) and _may_be_an_optimizer(c, bindings) for c in classes)


def _defines_the_override(node: ast.ClassDef) -> bool:
    return any(
        isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
        and member.name == "apply_gradients"
        for member in node.body
    )


def _may_be_an_optimizer(node: ast.ClassDef, bindings: dict[str, set[str]]) -> bool:
    names = [node.name]
    for base in node.bases:
        text = ast.unparse(base)
        head, dot, rest = text.partition(".")
        names.append(text)
        names.extend(imported + dot + rest for imported in bindings.get(head, ()))
    return any(
        _OPTIMIZER_WORD.search(name) or _OPTIMIZER_CLASS.search(name.rsplit(".", 1)[-1])
        for name in names
    )


#: The token of an optimizer class's own update (``def apply_gradients(self, grads_and_vars)``).
_OVERRIDE_TOKEN = "def apply_gradients("
_OPTIMIZER_WORD = re.compile(r"optimi[sz]er", re.IGNORECASE)


#: A class or base name that reads like an optimizer's (``OptimizerV2``, ``DPOptimizerClass``,
#: ``tf.keras.optimizers.Adam``): only such a class's ``apply_gradients`` is read as an update
#: of its own (:mod:`gradlint.analyzer.overrides`); TPU embedding objects have one too.
_OPTIMIZER_CLASS = re.compile(
    r"optimi[sz]er|(^|_)(opt|optim|opts)(_|$|\d)|^(Adam\w*|SGD|RMSprop|Adagrad|Adadelta|Adamax|"
    r"Nadam|Ftrl|Lion|Lamb|Adafactor|LARS|Yogi|Momentum\w*|GradientDescent\w*)$",
    re.IGNORECASE,
)


def _optimizer_like(node: ast.ClassDef) -> bool:
    names = [node.name] + [ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases]
    return any(_OPTIMIZER_CLASS.search(name) for name in names)


def _keep_overriding_classes(units: list[_Unit], choice: _Choice) -> None:
    """In an optimizer class that overrides ``apply_gradients``, a member that assigns an
    attribute the kept code reads is kept whatever it assigns: GL001 follows the override's
    gradients through the methods it calls (kept as its references) into what
    ``self._optimizer`` is, wherever it is assigned. (A class of another kind keeps only the
    members that build what its kept methods read.)"""
    for unit in units:
        if not isinstance(unit.node, ast.ClassDef) or not _optimizer_like(unit.node):
            continue
        if unit.members is None or not any(
            member.keep
            and isinstance(member.node, ast.FunctionDef | ast.AsyncFunctionDef)
            and member.node.name == "apply_gradients"
            for member in unit.members
        ):
            continue
        choice.thorough.add(unit)


def _close_over_references(choice: _Choice) -> bool:
    """Keep every unit that binds a name kept code refers to, and every method named by an
    attribute it reads or assigning one, transitively."""
    added = False
    changed = True
    while changed:
        changed = False
        for leaf in choice.unkept():
            why = choice.names & leaf.bound
            if not why and leaf.parent is not None:
                why = {getattr(leaf.node, "name", None)} & choice.attributes
            if why:
                choice.mark(leaf, "refers to " + ", ".join(sorted(why)))
                added = changed = True
            elif leaf.opaque:
                # Its members, had it been parsed: methods named by an attribute kept code
                # reads, and members that may assign one.
                if choice.attributes & (leaf.bound | leaf.may_assign):
                    choice.mark(leaf, "members")
                    added = changed = True
            elif leaf.parent is not None:
                bound = (
                    leaf.any_assigned_attributes
                    if leaf.parent in choice.thorough
                    else leaf.assigned_attributes
                )
                why = choice.attributes & bound
                if why:
                    choice.mark(leaf, "binds " + ", ".join(sorted(why)), refer=False)
                    added = changed = True
    return added


def _keep_first_indent(units: list[_Unit], choice: _Choice) -> bool:
    """LibCST takes a module's default indentation from its first indented block. If the
    slice would start with a block indented differently, the statement that holds the first
    block is kept, so the setting (and any code generated from it) stays the same."""
    indented = [u for u in units if _indent_text(u) is not None]
    if not indented or indented[0].keep:
        return False
    first_kept = next((u for u in indented if u.keep), None)
    if first_kept is not None and _indent_text(first_kept) == _indent_text(indented[0]):
        return False
    unit = indented[0]
    if unit in choice.needed:
        return False
    choice.mark(unit, "first indent")
    return True


def _indent_text(unit: _Unit) -> str | None:
    if unit.opaque:
        return unit.body_indent  # type: ignore[attr-defined]
    for clause in _clauses(unit.node):
        if clause and _starts_line(clause[0], unit.lines):
            line = unit.lines[clause[0].lineno - 1]
            return line[: len(line) - len(line.lstrip(" \t\f"))]
    return None


def _keep_comment_owners(units: list[_Unit], choice: _Choice) -> bool:
    """Comments (and whitespace) indented deeper than a body, after a statement but not in
    its footer, lead
    the next statement (or end the enclosing block). If that statement is dropped, an
    earlier kept block could claim them as its footer; keeping it keeps ownership."""
    added = False
    sequences = [units] + [u.members for u in units if u.members is not None and u.keep]
    for sequence in sequences:
        for index, unit in enumerate(sequence):
            following = sequence[index + 1] if index + 1 < len(sequence) else None
            if (
                not unit.keep
                and unit not in choice.needed
                and unit.indented_after
                and (following is None or following.keep)
            ):
                choice.mark(unit, "comment owner")
                added = True
    return added


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t\f"))


def _is_comment_or_blank(line: str) -> bool:
    return line.strip(" \t\f\r\n")[:1] in ("", "#")


def _assign_regions(units: list[_Unit], lines: list[str], indent: int, limit: int) -> None:
    """Give each unit the lines LibCST attaches to it, within lines ``[.., limit)``.

    Between two statements, the lines up to the last comment indented at least as deep as
    the first statement's trailing block form that block's footer (if it ends with one);
    the rest lead the second statement. Lines before
    the first statement and after the last one's footer belong to the enclosing node.
    """
    for index, unit in enumerate(units):
        gap_start = unit.last + 1
        gap_end = units[index + 1].first - 1 if index + 1 < len(units) else limit - 1
        split = gap_start
        if unit.block is not None:
            for number in range(gap_start, gap_end + 1):
                line = lines[number - 1]
                if _indent(line) >= unit.block and _is_comment_or_blank(line):
                    split = number + 1
        unit.end = split - 1
        unit.indented_after = any(
            _indent(line) > indent and _is_comment_or_blank(line)
            for line in lines[split - 1 : gap_end]
        )
        if index + 1 < len(units):
            units[index + 1].start = split
        if unit.members is not None:
            member_indent = unit.members[0].node.col_offset
            _assign_regions(unit.members, lines, member_indent, unit.end + 1)
            unit.members[0].start = unit.members[0].first


def _clauses(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement, in source order."""
    if isinstance(node, ast.Match):
        return [case.body for case in node.cases]
    clauses: list[list[ast.stmt]] = []
    body = getattr(node, "body", None)
    if isinstance(body, list):
        clauses.append(body)
    for handler in getattr(node, "handlers", None) or ():
        clauses.append(handler.body)
    for name in ("orelse", "finalbody"):
        extra = getattr(node, name, None)
        if extra:
            clauses.append(extra)
    return clauses


def _starts_line(node: ast.stmt, lines: list[str]) -> bool:
    return not lines[node.lineno - 1][: node.col_offset].strip()


def _is_elif(node: ast.stmt, lines: list[str]) -> bool:
    return isinstance(node, ast.If) and lines[node.lineno - 1][node.col_offset :].startswith("elif")


def _trailing_block_indent(node: ast.stmt, lines: list[str]) -> int | None:
    """The indentation of the statement's last clause when that is an indented block, else
    None. LibCST gives such a block the comments after it, up to the last one indented at
    least as deep as the block."""
    clauses = _clauses(node)
    if not clauses or not clauses[-1]:
        return None
    last = clauses[-1]
    if (
        isinstance(node, ast.If)
        and last is node.orelse
        and len(last) == 1
        and _is_elif(last[0], lines)
    ):
        return _trailing_block_indent(last[0], lines)
    return _indent(lines[last[0].lineno - 1]) if _starts_line(last[0], lines) else None


#: Statements that hold other statements (only these are looked into).
COMPOUND_STATEMENTS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)


def _statements(node: ast.stmt) -> Iterator[ast.stmt]:
    """The statement and every statement nested in it (expressions are not visited)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, COMPOUND_STATEMENTS):
            for clause in _clauses(current):
                stack.extend(clause)


def _imports(node: ast.stmt) -> Iterator[tuple[str, str]]:
    """(local name, what it is bound to) for every import at any depth, spelled the way
    the analyzer's import map records them (relative imports keep their dots)."""
    for stmt in _statements(node):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    yield alias.asname, alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    yield head, head
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                yield alias.asname or alias.name, f"{module}.{alias.name}"


def _is_word_char(char: str) -> bool:
    """What ``\\w`` matches (``str.isalnum`` is the same set of characters)."""
    return char.isalnum() or char == "_"


def _tape_aliases(units: list[_Unit], tokens: tuple[str, ...]) -> set[str]:
    """Local names that imports inside these units bind to something named by a token
    (``from tensorflow import GradientTape as T`` makes ``T`` a tape class module-wide)."""
    aliases: set[str] = set()
    for unit in units:
        if not unit.opaque and "import" in unit.text:
            for local, imported in _imports(unit.node):
                if not imported.endswith(f".{local}") and any(t in imported for t in tokens):
                    aliases.add(local)
    return aliases


def _step_names(units: list[_Unit], tokens: tuple[str, ...]) -> set[str]:
    """Names of the functions that hold a token, and of the functions nested in them: the
    scopes whose being called from a loop can show training intent."""
    names: set[str] = set()
    for unit in units:
        for stmt in unit.statements:
            if (
                isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                and stmt.name not in names
                and any(t in unit.segment(stmt) for t in tokens)
            ):
                names |= {
                    n.name
                    for n in _statements(stmt)
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                }
    return names


def _loops_mention(unit: _Unit, names: set[str], lines: list[int]) -> bool:
    if unit.opaque:  # ``lines``: where the names occur
        return unit.piece.loop_may_name(lines)  # type: ignore[attr-defined]
    for stmt in unit.statements:
        if isinstance(stmt, _LOOPS) and names & set(_WORD.findall(unit.segment(stmt))):
            return True
    return False


#: An attribute that may name an optimizer (a superset of what GL001's intent check reads).
#: Methods that have one are dropped all the same: see :attr:`Slice.optimizer_classes`.
_OPTIMIZER_ATTRIBUTE = re.compile(r"\.(?:\s|\\)*\w*opt", re.IGNORECASE)
