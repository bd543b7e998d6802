"""A read-only LibCST traversal that is several times faster than ``node.visit``.

``CSTNode.visit`` rebuilds every node it passes (it is written for transformers), and it
descends into whitespace, commas and parentheses. Our rules only read the tree, so this walker
iterates dataclass fields directly, skips formatting nodes, and dispatches to the same
``visit_<Node>``/``leave_<Node>`` method names that LibCST visitors use (returning ``False``
from a ``visit_`` method skips the node's children).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator

import libcst as cst

_FORMATTING = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ImportStar,
    cst.Asynchronous,
)

_FIELDS: dict[type, tuple[str, ...]] = {}


def _may_hold_a_node(annotation: object) -> bool:
    """Whether a field of this declared type can hold a node: not ``str`` (``Name.value``)
    or a ``Literal`` of strings (``Arg.star``). Leaves then have no field to look into."""
    return annotation is not str and typing.get_origin(annotation) is not typing.Literal


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if _may_hold_a_node(f.type)
            and not f.name.startswith(
                (
                    "whitespace",
                    "lpar",
                    "rpar",
                    "lbracket",
                    "rbracket",
                    "lbrace",
                    "rbrace",
                    "leading_lines",
                    "header",
                    "footer",
                    "trailing_whitespace",
                    "comma",
                    "semicolon",
                    "equal",
                    "colon",
                    "dot",
                )
            )
        )
        _FIELDS[cls] = names
    return names


#: type -> 1 (not a node, or a formatting node: skipped), 2 (node to walk). isinstance on
#: LibCST's ABC-based classes is slow, so each concrete type is classified once.
_KIND: dict[type, int] = {}


def _kind(cls: type) -> int:
    kind = _KIND.get(cls)
    if kind is None:
        skipped = not issubclass(cls, cst.CSTNode) or issubclass(cls, _FORMATTING)
        kind = 1 if skipped else 2
        _KIND[cls] = kind
    return kind


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        cls = type(value)
        if cls is list or cls is tuple:
            for item in value:
                if _kind(type(item)) == 2:
                    yield item
        elif _kind(cls) == 2:
            yield value


class FastVisitor:
    """Base class: subclasses define ``visit_X``/``leave_X`` like a ``cst.CSTVisitor``."""

    #: node type -> (visit method, leave method, fields to descend into)
    _dispatch: dict[type, tuple[Callable | None, Callable | None, tuple[str, ...]]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._dispatch = {}

    def walk(self, node: cst.CSTNode) -> None:
        # The hottest loop of the analysis: children are found inline (no generator), and
        # each node type is looked up once per visitor class. A child this visitor has
        # nothing to do with (a formatting node, or a leaf such as a ``Name`` it neither
        # visits nor leaves) is not even entered.
        dispatch = self._dispatch
        entry = dispatch.get(type(node)) or self._entry(type(node))
        if entry is _SKIP:
            return
        visit, leave, fields = entry
        if visit is not None and visit(self, node) is False:
            return
        for field_name in fields:
            value = getattr(node, field_name)
            value_cls = type(value)
            if value_cls is list or value_cls is tuple:
                for item in value:
                    if (dispatch.get(type(item)) or self._entry(type(item))) is not _SKIP:
                        self.walk(item)
            elif (dispatch.get(value_cls) or self._entry(value_cls)) is not _SKIP:
                self.walk(value)
        if leave is not None:
            leave(self, node)

    def _entry(self, node_cls: type) -> tuple:
        """What walking a node of this type means for this visitor (:data:`_SKIP`: nothing)."""
        if _kind(node_cls) != 2:
            entry: tuple = _SKIP
        else:
            name = node_cls.__name__
            visit = getattr(type(self), "visit_" + name, None)
            leave = getattr(type(self), "leave_" + name, None)
            fields = _fields(node_cls)
            entry = (
                _SKIP if visit is None and leave is None and not fields else (visit, leave, fields)
            )
        self._dispatch[node_cls] = entry
        return entry


#: A node (or value) a visitor does not enter (truthy, so that a cached one is found).
_SKIP: tuple = ("skip",)
