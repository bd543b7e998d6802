"""Line and column of LibCST nodes, computed only for the top-level statements that hold them.

LibCST's ``PositionProvider`` regenerates the code of the whole module (and the metadata
wrapper walks the whole tree once more before that) to record where every node is: for a
1,000-line file of training code that cost more than parsing it, although a file's findings
ask for the positions of a handful of nodes. The positions inside one top-level statement
depend only on where that statement starts, so this computes them per statement, with the
very code generator ``PositionProvider`` uses, started at the statement's first line: the
same positions, for the statements a finding is in.

Where a top-level statement starts is read from CPython's ``ast`` of the same text (its
first token's line, less the comment and blank lines LibCST attaches in front of it): the
slicer and the project model parse that text with ``ast`` anyway, and code generation for
every statement above the one asked about cost as much as a tenth of LibCST's parse. When
there is no text to read, when ``ast`` and LibCST could count line breaks differently (a
``\r`` that is not part of ``\r\n``), or when the two disagree on the statements, the line
breaks in the plain code of the statements above are counted instead, the slow and sure
way. Every statement whose positions are computed checks that it ends where the next one
was said to start, and a disagreement falls back to counting. Finding which statement holds
a node is a read-only walk of the statements up to it, kept for the next question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

#: node type -> names of its fields that can hold nodes (every field: codegen reads them all).
_FIELDS: dict[type, tuple[str, ...]] = {}


class LazyPositions:
    """``positions[node]`` is ``PositionProvider``'s range for ``node`` in ``module``."""

    def __init__(self, module: cst.Module, text: str | None = None) -> None:
        """``text``: what ``module`` was parsed from (its top-level statements then start
        where ``ast`` says); without it they are found by code generation."""
        self.module = module
        self._text = text
        #: Line of the first token of each statement of ``module.body``; None: not known.
        self._first_lines: list[int] | None = None
        self._first_lines_read = text is None
        #: What ``Module`` generates code for, in order: header lines, statements, footer.
        self._segments: Sequence[cst.CSTNode] = (*module.header, *module.body, *module.footer)
        self._ranges: dict[cst.CSTNode, CodeRange] = {}
        #: node -> index of the segment that holds it, for the segments walked so far.
        self._owner: dict[cst.CSTNode, int] = {}
        self._walked = 0
        #: Segment index -> the (line, column) where it starts, for those known so far.
        self._starts: dict[int, tuple[int, int]] = {0: (1, 0)}
        self._computed: set[int] = set()
        self._whole_module = False
        #: Top-level statements (and their first decorators) -> their segment's index.
        self._openers: dict[cst.CSTNode, int] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._ranges.get(node)
        if found is not None:
            return found
        index = self._segment_of(node)
        if index is None or index in self._computed:
            # Not inside a segment (the module itself): what LibCST computes for the module.
            self._compute_whole_module()
        else:
            self._compute(index)
        return self._ranges[node]

    def start(self, node: cst.CSTNode) -> CodePosition:
        """``self[node].start``; for a top-level statement or its first decorator, counted
        from the lines above it without recording positions (questions about where every
        top-level statement starts stay cheap)."""
        found = self._ranges.get(node)
        if found is not None:
            return found.start
        if self._openers is None:
            self._openers = {}
            offset = len(self.module.header)
            for index, stmt in enumerate(self.module.body, start=offset):
                decorators = getattr(stmt, "decorators", ())
                self._openers[decorators[0] if decorators else stmt] = index
        index = self._openers.get(node)
        if index is not None:
            line, column = self._start(index)
            stmt = self._segments[index]
            if column == 0:
                # Each line before the first token is an EmptyLine: one line break each.
                lines = len(stmt.leading_lines)
                if node is not stmt:  # the first decorator has empty lines of its own
                    lines += len(node.leading_lines)
                return CodePosition(line + lines, 0)
        return self[node].start

    def _segment_of(self, node: cst.CSTNode) -> int | None:
        index = self._owner.get(node)
        while index is None and self._walked < len(self._segments):
            self._index(self._segments[self._walked], self._walked)
            self._walked += 1
            index = self._owner.get(node)
        return index

    def _index(self, root: cst.CSTNode, index: int) -> None:
        owner = self._owner
        stack = [root]
        while stack:
            node = stack.pop()
            if node in owner:
                continue  # a node object used twice: LibCST keeps its first position
            owner[node] = index
            names = _FIELDS.get(type(node))
            if names is None:
                names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
            for name in names:
                value = getattr(node, name)
                if isinstance(value, cst.CSTNode):
                    stack.append(value)
                elif isinstance(value, (tuple, list)):
                    stack.extend(v for v in value if isinstance(v, cst.CSTNode))

    def _start(self, index: int) -> tuple[int, int]:
        found = self._starts.get(index)
        if found is not None:
            return found
        found = self._start_from_ast(index)
        if found is not None:
            self._starts[index] = found
            return found
        module = self.module
        known = max(i for i in self._starts if i < index)
        for current in range(known, index):
            if current + 1 in self._starts:
                continue
            state = CodegenState(
                default_indent=module.default_indent, default_newline=module.default_newline
            )
            self._segments[current]._codegen(state)
            self._starts[current + 1] = _advance(self._starts[current], state.tokens)
        return self._starts[index]

    def _start_from_ast(self, index: int) -> tuple[int, int] | None:
        header = len(self.module.header)
        if index < header:
            return index + 1, 0  # each header segment is one EmptyLine
        position = index - header
        lines = self._statement_lines()
        if lines is None:
            return None
        if position >= len(lines):
            return None  # the footer: after the last statement, which ast cannot say
        stmt = self.module.body[position]
        line = lines[position] - len(stmt.leading_lines)
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            line -= len(decorators[0].leading_lines)
        return line, 0

    def _footer_start(self) -> tuple[int, int] | None:
        """Where the footer (one EmptyLine each) starts, counted back from the end of the
        text: where the last statement must end, which checks the table. (Only a check:
        LibCST's code can drop a blank line before the footer, and its positions count
        its code.)"""
        text = self._text or ""
        if self._statement_lines() is None or not text.endswith(("\n", "\r")):
            return None
        line_breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        return line_breaks + 1 - len(self.module.footer), 0

    def _statement_lines(self) -> list[int] | None:
        if not self._first_lines_read:
            self._first_lines_read = True
            self._first_lines = _first_token_lines(self._text or "", len(self.module.body))
        return self._first_lines

    def _fall_back_to_counting(self) -> None:
        """``ast``'s lines disagreed with LibCST's code: forget everything derived from them."""
        self._first_lines = None
        self._starts = {0: (1, 0)}
        self._ranges = {}
        self._computed = set()

    def _compute(self, index: int) -> None:
        module = self.module
        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
        )
        state.line, state.column = self._start(index)
        self._segments[index]._codegen(state)
        end = (state.line, state.column)
        following = self._starts.get(index + 1) or self._start_from_ast(index + 1)
        if following is None and index + 1 == len(self.module.header) + len(self.module.body):
            following = self._footer_start()
        if following is not None and following != end and self._first_lines is not None:
            self._fall_back_to_counting()
            self._compute(index)
            return
        self._starts[index + 1] = end
        self._computed.add(index)
        for node, span in provider._computed.items():
            self._ranges.setdefault(node, span)

    def _compute_whole_module(self) -> None:
        if not self._whole_module:
            self._whole_module = True
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._ranges = dict(wrapper.resolve(PositionProvider))


def _advance(start: tuple[int, int], tokens: list[str]) -> tuple[int, int]:
    """Where code generation is after writing ``tokens`` from ``start``, counted as LibCST
    counts: token by token, so a ``\r`` ending one token and a ``\n`` starting the next are
    two line breaks (without a ``\r`` the joined code counts the same, and faster)."""
    line, column = start
    code = "".join(tokens)
    if "\r" not in code:
        breaks = code.count("\n")
        if not breaks:
            return line, column + len(code)
        return line + breaks, len(code) - code.rfind("\n") - 1
    for token in tokens:
        pieces = NEWLINE_RE.split(token)
        if len(pieces) == 1:
            column += len(token)
        else:
            line += len(pieces) - 1
            column = len(pieces[-1])
    return line, column


def _first_token_lines(text: str, statements: int) -> list[int] | None:
    """The line of the first token (first decorator included) of each top-level statement
    LibCST sees in ``text``: ``ast`` statements joined by ``;`` on one line are one LibCST
    statement. None when ``ast`` cannot tell or tells a different number of statements."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # LibCST may count a lone \r next to a \n as two line breaks
    from gradlint.analyzer.python_ast import parse_python

    tree = parse_python(text)
    if tree is None:
        return None
    lines: list[int] = []
    previous_end = 0
    for node in tree.body:
        if node.lineno > previous_end:
            decorators = getattr(node, "decorator_list", ())
            lines.append(min([node.lineno, *(d.lineno for d in decorators)]))
        previous_end = node.end_lineno or node.lineno
    return lines if len(lines) == statements else None
