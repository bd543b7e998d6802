"""Execution order and nesting inside one scope, for rules that ask "does A run before B?".

Several facts need more than the dataflow's "where does the value go": whether a forward pass
ran before a ``with`` block, whether two ``tape.gradient`` calls both run, which assignment a
name refers to at a call. Positions would answer "before" but not "on every path", and
computing them costs a pass over the whole module. So one shallow walk per scope numbers the
statements in source order and records, for each call and binding, the chain of blocks around
it: A *dominates* B when A comes first and A's chain is a prefix of B's (A is not inside a
branch, loop or handler that B is outside of).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope

#: One level of nesting: the compound statement and which of its blocks (``"body"``,
#: ``"else"``, ``"handler0"``, ``"finally"``...). ``With`` blocks are not branches: a with
#: body always runs, so ``With`` is recorded separately and is not part of the chain.
Block = tuple[cst.CSTNode, str]


@dataclass(frozen=True)
class Where:
    """The place of a statement or call: ``seq`` orders statements, ``order`` calls."""

    seq: int
    order: int
    chain: tuple[Block, ...]
    withs: tuple[cst.With, ...]
    statement: cst.CSTNode

    def before(self, other: Where) -> bool:
        return (self.seq, self.order) < (other.seq, other.order)

    def dominates(self, other: Where) -> bool:
        """Runs first, and whenever ``other`` runs (barring an early exit between them)."""
        return self.before(other) and other.chain[: len(self.chain)] == self.chain


@dataclass(frozen=True)
class Binding:
    """``name = value`` (``value`` is None for loop targets, ``with ... as`` and unpacking
    that cannot be matched element by element)."""

    name: str
    value: cst.BaseExpression | None
    where: Where
    augmented: bool = False
    #: For ``a, b = f(...)``: the whole right-hand side (``value`` is then None).
    unpacked_from: cst.BaseExpression | None = None


@dataclass
class WithSpan:
    node: cst.With
    start: int
    end: int
    chain: tuple[Block, ...]

    def contains(self, where: Where) -> bool:
        return self.node in where.withs


@dataclass
class ScopeLayout:
    scope: Scope
    calls: dict[cst.Call, Where] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    withs: dict[cst.With, WithSpan] = field(default_factory=dict)
    #: Statements that always leave the block (return/raise/break/continue), in order.
    exits: list[Where] = field(default_factory=list)

    _statements: dict[int, Where] | None = field(default=None, repr=False, compare=False)

    def statement_where(self, statement: cst.CSTNode) -> Where | None:
        """The place of a small statement that binds a name or holds a call (None: one
        that does neither, such as ``pass``, or a compound statement's header)."""
        if self._statements is None:
            places: dict[int, Where] = {}
            for bindings in self.bindings.values():
                for binding in bindings:
                    places.setdefault(id(binding.where.statement), binding.where)
            for where in self.calls.values():
                places.setdefault(id(where.statement), where)
            self._statements = places
        return self._statements.get(id(statement))

    def place(self, node: cst.CSTNode) -> Where | None:
        """Where a call, or a small statement (``w -= lr * w.grad``), runs."""
        if isinstance(node, cst.Call):
            return self.calls.get(node)
        return self.statement_where(node)

    def bindings_between(self, name: str, start: int, end: int) -> list[Binding]:
        """Bindings of ``name`` by statements numbered ``start < seq < end``."""
        return [b for b in self.bindings.get(name, []) if start < b.where.seq < end]

    def exits_between(self, first: Where, second: Where) -> bool:
        """An unconditional exit after ``first`` in one of the blocks around it, before
        ``second``: then ``second`` does not run after ``first`` on that path."""
        return any(
            first.seq < e.seq < second.seq and first.chain[: len(e.chain)] == e.chain
            for e in self.exits
        )


def build_layout(scope: Scope) -> ScopeLayout:
    """Read once per scope through :meth:`gradlint.analyzer.facts.Facts.layout`."""
    layout = ScopeLayout(scope)
    walker = _LayoutWalker(layout)
    body = scope.body()
    if body and all(isinstance(s, cst.BaseSmallStatement) for s in body):
        walker._simple(body)  # ``def lcm(a, b): return a * b // gcd(a, b)``
    else:
        walk_scope(scope, walker)
    return layout


class _LayoutWalker(ShallowVisitor):
    def __init__(self, layout: ScopeLayout) -> None:
        self.layout = layout
        self.seq = 0
        self.order = 0
        self.chain: list[Block] = []
        self.withs: list[cst.With] = []
        self.statement: cst.CSTNode | None = None

    def _where(self) -> Where:
        assert self.statement is not None
        return Where(self.seq, self.order, tuple(self.chain), tuple(self.withs), self.statement)

    def _enter_statement(self, node: cst.CSTNode) -> None:
        self.seq += 1
        self.statement = node

    # ------------------------------------------------------------ simple statements
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self._simple(node.body)
        return False

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self._simple(node.body)
        return False

    def _simple(self, body) -> None:
        for small in body:
            self._enter_statement(small)
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    self._bind(target.target, small.value)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self._bind(small.target, small.value)
            elif isinstance(small, cst.AugAssign):
                self._bind(small.target, small.value, augmented=True)
            elif isinstance(small, cst.Return | cst.Raise | cst.Break | cst.Continue):
                self.layout.exits.append(self._where())
            self.walk(small)

    def _bind(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression | None,
        augmented: bool = False,
        unpacked_from: cst.BaseExpression | None = None,
    ) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            values = None
            if isinstance(value, cst.Tuple | cst.List) and len(value.elements) == len(
                target.elements
            ):
                values = [e.value for e in value.elements]
            for i, element in enumerate(target.elements):
                self._bind(element.value, values[i] if values else None, unpacked_from=value)
            return
        if isinstance(target, cst.StarredElement):
            self._bind(target.value, None, unpacked_from=value)
            return
        name = dotted_name(target)
        if name is not None:
            binding = Binding(name, value, self._where(), augmented, unpacked_from)
            self.layout.bindings.setdefault(name, []).append(binding)

    def visit_Call(self, node: cst.Call) -> None:
        self.order += 1
        self.layout.calls[node] = self._where()

    # ------------------------------------------------------------ compound statements
    def _block(self, owner: cst.CSTNode, label: str, block: cst.CSTNode | None) -> None:
        if block is None:
            return
        self.chain.append((owner, label))
        self._statements(block)
        self.chain.pop()

    def _statements(self, block: cst.CSTNode) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            self.walk(block)
        else:
            for stmt in getattr(block, "body", ()):
                self.walk(stmt)

    def _header(self, node: cst.CSTNode, *exprs: cst.CSTNode | None) -> None:
        self._enter_statement(node)
        for expr in exprs:
            if expr is not None:
                self.walk(expr)

    def visit_If(self, node: cst.If) -> bool:
        self._header(node, node.test)
        self._block(node, "body", node.body)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self.chain.append((node, "else"))
            self.walk(orelse)
            self.chain.pop()
        elif isinstance(orelse, cst.Else):
            self._block(node, "else", orelse.body)
        return False

    def visit_For(self, node: cst.For) -> bool:
        self._header(node, node.iter)
        self.chain.append((node, "body"))
        self._bind(node.target, None)
        self.chain.pop()
        self._block(node, "body", node.body)
        if node.orelse is not None:
            self._block(node, "else", node.orelse.body)
        return False

    def visit_While(self, node: cst.While) -> bool:
        self._header(node, node.test)
        self._block(node, "body", node.body)
        if node.orelse is not None:
            self._block(node, "else", node.orelse.body)
        return False

    def visit_With(self, node: cst.With) -> bool:
        self._header(node, *[item.item for item in node.items])
        for item in node.items:
            if item.asname is not None:
                self._bind(item.asname.name, None)
        start = self.seq
        self.withs.append(node)
        self._statements(node.body)
        self.withs.pop()
        self.layout.withs[node] = WithSpan(node, start, self.seq, tuple(self.chain))
        return False

    def visit_Try(self, node: cst.Try) -> bool:
        self._try(node)
        return False

    def visit_TryStar(self, node: cst.TryStar) -> bool:
        self._try(node)
        return False

    def _try(self, node: cst.Try | cst.TryStar) -> None:
        self._header(node)
        self._block(node, "body", node.body)
        for i, handler in enumerate(node.handlers):
            self._header(handler, handler.type)
            self._block(node, f"handler{i}", handler.body)
        if node.orelse is not None:
            self._block(node, "else", node.orelse.body)
        if node.finalbody is not None:
            self._block(node, "finally", node.finalbody.body)

    def visit_Match(self, node: cst.Match) -> bool:
        self._header(node, node.subject)
        for i, case in enumerate(node.cases):
            self._block(node, f"case{i}", case.body)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._enter_statement(node)
        for deco in node.decorators:
            self.walk(deco)
        self._bind(node.name, None)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._enter_statement(node)
        self._bind(node.name, None)
        return False


def catches_runtime_error(chain: tuple[Block, ...]) -> bool:
    """Inside the body of a ``try`` whose handlers catch ``RuntimeError`` (or anything wider):
    the code expects the error (a demonstration, or a fallback)."""
    wide = {"RuntimeError", "Exception", "BaseException"}
    for node, label in chain:
        if label != "body" or not isinstance(node, cst.Try | cst.TryStar):
            continue
        for handler in node.handlers:
            if handler.type is None:
                return True
            types = (
                [e.value for e in handler.type.elements]
                if isinstance(handler.type, cst.Tuple)
                else [handler.type]
            )
            for t in types:
                name = dotted_name(t) or ""
                if name.rsplit(".", 1)[-1] in wide:
                    return True
    return False
