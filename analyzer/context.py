"""Per-file state shared by all rules: the parsed module, its imports, positions and facts.

Everything expensive is computed on first use and cached here (the gradient facts in
:attr:`ModuleContext.facts`), so rules that run on the same file share one parse, one import
map and one dataflow pass; positions are computed only for the top-level statements a finding
is in (:mod:`gradlint.analyzer.positions`), so a file with nothing to report pays for none.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from gradlint.analyzer.findings import Finding, Fix
from gradlint.analyzer.names import ImportFacts, ImportMap
from gradlint.analyzer.positions import LazyPositions
from gradlint.analyzer.sources import LINE_BREAK, SourceUnit

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.summaries import ProjectModule


#: A name as the dropped-code check reads them (a superset of identifiers: no keyword test).
_WORD = re.compile(r"[^\W\d]\w*")


class NeedsWholeFile(Exception):
    """A rule needs code that slicing dropped: the engine analyzes the whole file instead."""


class ModuleContext:
    #: The project seen from this module (:mod:`gradlint.analyzer.summaries`); None when the
    #: file is analyzed in isolation (``--no-project``, or no file on disk to place it).
    project: ProjectModule | None = None

    def __init__(
        self,
        unit: SourceUnit,
        module: cst.Module,
        import_facts: ImportFacts | None = None,
        line_map: tuple[int, ...] | None = None,
        optimizer_classes: frozenset[str] = frozenset(),
        parsed_text: str | None = None,
        dropped_lines: tuple[tuple[int, int], ...] = (),
        partial_classes: frozenset[str] = frozenset(),
    ) -> None:
        self.unit = unit
        self.module = module
        #: The text ``module`` was parsed from (a slice's own text), when it is known: it
        #: tells where the top-level statements start without generating their code.
        self.parsed_text = parsed_text
        #: The whole file's imports when ``module`` is a slice of it.
        self.import_facts = import_facts
        #: When ``module`` is a slice: the line of ``unit.text`` each of its lines is.
        self.line_map = line_map
        #: Classes of the slice that lost methods naming an optimizer attribute.
        self.optimizer_classes = optimizer_classes
        #: When ``module`` is a slice: the runs of the file's lines it dropped, and the
        #: kept classes that lost members (:class:`~gradlint.analyzer.slicing.Slice`).
        self.dropped_lines = dropped_lines
        self.partial_classes = partial_classes

    @cached_property
    def facts(self) -> Facts:
        """The file's gradient facts, each computed when a rule first asks for it."""
        from gradlint.analyzer.facts import Facts

        return Facts(self)

    def forget_facts(self) -> None:
        """Drop the facts (and the tree nodes they hold) as soon as the rules are done: the
        cycle collector is paused while a file is analyzed."""
        self.__dict__.pop("facts", None)

    @cached_property
    def text_lines(self) -> list[str]:
        """The analyzed text's lines without their line endings (index 0 is line 1)."""
        return LINE_BREAK.split(self.unit.text)

    @cached_property
    def newline(self) -> str:
        """The text's own line ending (what inserted lines must use)."""
        match = LINE_BREAK.search(self.unit.text)
        return match.group() if match else self.unit.newline

    @cached_property
    def dropped_words(self) -> frozenset[str]:
        """Every word (identifier-like) in the lines slicing dropped, code, comments and
        strings alike: what a rule checks before it states a finding from the slice."""
        if not self.dropped_lines:
            return frozenset()
        lines = self.text_lines
        text = "\n".join("\n".join(lines[first - 1 : last]) for first, last in self.dropped_lines)
        return frozenset(_WORD.findall(text))

    def require_whole_class(self, cls: cst.ClassDef) -> None:
        """Raise :class:`NeedsWholeFile` if slicing dropped methods of ``cls`` that may name
        an optimizer: asked before reading a class's optimizer attributes."""
        if cls.name.value in self.optimizer_classes:
            raise NeedsWholeFile(cls.name.value)

    @cached_property
    def imports(self) -> ImportMap:
        if self.import_facts is not None:
            return ImportMap.from_facts(self.import_facts)
        return ImportMap(self.module)

    @cached_property
    def _positions(self) -> LazyPositions:
        """Computed per top-level statement, for the statements a position is asked in."""
        return LazyPositions(self.module, self.parsed_text)

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Where ``node`` is in ``unit.text`` (a slice's lines mapped back to the file's)."""
        span = self._positions[node]
        if self.line_map is None:
            return span
        return CodeRange(
            (self._file_line(span.start.line), span.start.column),
            (self._file_line(span.end.line), span.end.column),
        )

    def start(self, node: cst.CSTNode) -> CodePosition:
        """``position(node).start``, cheaper for a top-level statement or its first
        decorator (no position metadata for the statements between)."""
        start = self._positions.start(node)
        if self.line_map is None:
            return start
        return CodePosition(self._file_line(start.line), start.column)

    def _file_line(self, line: int) -> int:
        assert self.line_map is not None
        if line <= len(self.line_map):
            return self.line_map[line - 1]
        # Past the slice's last line break (the end of a node that ends the text): the same
        # distance past the file's last line break.
        file_breaks = len(LINE_BREAK.findall(self.unit.text))
        return file_breaks + line - len(self.line_map)

    def line_ref(self, node: cst.CSTNode) -> str:
        """``line 12``, or ``cell 3, line 4`` in a notebook: where the user finds ``node``."""
        line = self.position(node).start.line
        cell, cell_line, _ = self.unit.locate(line)
        return f"cell {cell}, line {cell_line}" if cell is not None else f"line {line}"

    def short_text(self, node: cst.CSTNode, limit: int = 60) -> str:
        """``node``'s code on one line, cut to ``limit`` characters, for messages."""
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def finding(
        self,
        code: str,
        node: cst.CSTNode,
        message: str,
        *,
        severity: str,
        fix: Fix | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Finding:
        """A finding at ``node`` (to the end of ``end_node``); ``severity`` is the rule's."""
        start = self.position(node).start
        end = self.position(end_node or node).end
        return self.finding_at(
            code,
            start.line,
            start.column + 1,
            end.line,
            end.column + 1,
            message,
            fix=fix,
            severity=severity,
        )

    def finding_at(
        self,
        code: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        message: str,
        *,
        severity: str,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding from positions in the analyzed text (1-based columns), mapped to cells."""
        cell, cell_line, file_line = self.unit.locate(line)
        _, cell_end_line, file_end_line = self.unit.locate(end_line)
        return Finding(
            code=code,
            message=message,
            path=self.unit.path,
            line=cell_line,
            column=column,
            end_line=cell_end_line,
            end_column=end_column,
            severity=severity,
            cell=cell,
            fix=fix,
            file_line=file_line,
            file_end_line=file_end_line,
        )
