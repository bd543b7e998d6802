"""Line and column of LibCST nodes, computed only for the top-level statements that hold them.

LibCST's ``PositionProvider`` regenerates the code of the whole module (and the metadata
wrapper walks the whole tree once more before that) to record where every node is: for a
1,000-line file of training code that cost more than parsing it, although a file's findings
ask for the positions of a handful of nodes. The positions inside one top-level statement
depend only on where that statement starts, so this computes them per statement, with the
very code generator ``PositionProvider`` uses, started at the statement's first line: the
same positions, for the statements a finding is in.

Where a statement starts is the number of line breaks before it, counted in the plain code
of the statements above it (several times cheaper than recording positions); finding which
statement holds a node is a read-only walk of the statements up to it. Both stop at the
statement asked for and are kept for the next question.
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

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        #: What ``Module`` generates code for, in order: header lines, statements, footer.
        self._segments: Sequence[cst.CSTNode] = (*module.header, *module.body, *module.footer)
        self._ranges: dict[cst.CSTNode, CodeRange] = {}
        #: node -> index of the segment that holds it, for the segments walked so far.
        self._owner: dict[cst.CSTNode, int] = {}
        self._walked = 0
        #: (line, column) where each segment starts, for the first ``len(_starts)`` ones.
        self._starts: list[tuple[int, int]] = [(1, 0)]
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
        module = self.module
        while len(self._starts) <= index:
            state = CodegenState(
                default_indent=module.default_indent, default_newline=module.default_newline
            )
            self._segments[len(self._starts) - 1]._codegen(state)
            self._starts.append(_advance(self._starts[-1], state.tokens))
        return self._starts[index]

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
        if len(self._starts) == index + 1:
            self._starts.append((state.line, state.column))
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
