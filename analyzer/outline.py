"""Top-level statements found by a lexer, so that ``ast`` parses only those that can matter.

CPython's ``ast`` builds every node of a file, and in a large test module that holds one tape
(Keras' ``numpy_test.py``: 450 KB, 110,000 nodes) that is most of the file's analysis. The
slicer (:mod:`gradlint.analyzer.slicing`) keeps few of the top-level ``def``/``class``
statements. This module cuts the text where top-level statements begin, with the same
comment-and-string lexer the prefilter uses, and tells for each large ``def``/``class`` the
few things the slicer asks of a statement it drops: its lines, its block's indentation, the
names it defines, the attributes it may assign. Such a statement (*opaque*) is not parsed
unless the slicer finds it might keep it; then it is parsed and the choice made again.

Like the file-level prefilter, which never parses a file no rule could read, a syntax error
inside an opaque statement goes unreported (``--check-syntax`` still compiles every file);
everything else about the slice is what the whole file's ``ast`` would have given.

Only plain cases are cut: ``\\n`` line breaks, no continuation line inside an opaque
statement, no ``import`` in its code, a body that starts on a line of its own.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

#: A top-level statement smaller than this is parsed whatever it holds: it costs little,
#: and the lexical answers are not worth their own cost.
OPAQUE_MIN_CHARS = 1500
#: A file smaller than this is parsed whole.
MIN_FILE_CHARS = 20_000
#: Off: every file is parsed whole (tests compare the two).
ENABLED = True

_CONTINUATIONS = ("else", "elif", "except", "finally")
_DEFINITION = re.compile(r"(?:async[ \t\f]+)?(?:def|class)\b")
#: ``def``/``class`` and the name it defines (at a line's start: see :func:`_defined`).
_DEFINED = re.compile(r"(?:def|class)[ \t\f]+(\w+)")
#: A member at the start of a line: ``def``/``async def`` (a method) or ``class``.
_MEMBER = re.compile(r"(?:async[ \t\f]+)?(def|class)[ \t\f]+(\w+)")
#: ``self.X`` / ``cls.X`` / ``super().X`` followed by what may make it an assignment target
#: (``=``, an augmented operator, ``,`` ``)`` ``]`` ``:`` of an unpacking or annotation).
#: (No ``\b`` first: a pattern that starts with literals is searched for much faster, and
#: ``myself.x =`` matching too only makes the superset larger.)
_MAY_ASSIGN = re.compile(
    r"(?:self|cls|super\s*\(\s*\))\)*\s*\.\s*(\w+)\s*"
    r"(?:=(?!=)|[,)\]:]|(?://|\*\*|>>|<<|[-+*/%&|^@])=)"
)
_BRACKETS = re.compile(r"[][(){}:]")
_LOOP = re.compile(r"(?:for|while)\b")
#: What a string literal's characters become: neither space nor part of a word.
_FILL = "\x01"


@dataclass
class Piece:
    """A top-level statement (or, for a parsed run, several): lines ``first``..``last``
    (1-based; ``last`` is its last line of code), text ``start``..``end`` (offsets; up to
    the next piece)."""

    first: int
    last: int
    start: int
    end: int
    #: Only for an opaque ``def``/``class``:
    opaque: bool = False
    kind: str = ""  # "def" or "class"
    name: str = ""
    #: The indentation of the body's first statement (its text).
    body_indent: str | None = None
    defined: frozenset[str] = frozenset()
    may_assign: frozenset[str] = frozenset()
    #: ``class`` only: the header from ``class`` to its colon, and the methods' names.
    header: str = ""
    methods: tuple[str, ...] = ()
    #: Its imports (at any depth), each parsed alone, with the file's line and column.
    imports: tuple[ast.stmt, ...] = ()
    #: The file's text with strings filled and comments blanked, and its lines' offsets.
    code: str = ""
    starts: list[int] | None = None

    def loop_may_name(self, numbers: list[int]) -> bool:
        """Whether a ``for``/``while`` statement in it may hold one of the lines
        ``numbers`` (where a step's name occurs): a superset of what its parse would say.
        A line is followed out through the lines that start its enclosing blocks; anything
        unusual (a line inside a string, an ``else:`` whose owner is not looked for)
        counts as a loop."""
        starts, code = self.starts, self.code
        assert starts is not None
        inside = [n for n in numbers if self.first < n <= self.last]
        if not inside:
            return False
        logical = self._logical_starts(max(inside))
        for number in inside:
            if not self.first < number <= self.last:
                continue
            statement = number
            while statement > self.first and not logical[statement - self.first]:
                statement -= 1
            if statement == self.first:
                return True  # the header itself
            indent = None
            for line in range(statement, self.first, -1):
                if not logical[line - self.first]:
                    continue
                text = code[starts[line - 1] : starts[line]]
                depth = len(text) - len(text.lstrip(" \t\f"))
                if indent is not None and depth >= indent:
                    continue
                indent = depth
                head = text.lstrip(" \t\f")
                if _LOOP.match(head) or head.startswith(("else", "async")):
                    return True
        return False

    def _logical_starts(self, last: int) -> list[bool]:
        """For each of its lines from ``first`` to ``last``: whether a statement starts
        there (code in it, outside brackets and strings)."""
        starts, code = self.starts, self.code
        assert starts is not None
        flags = []
        depth = 0
        for line in range(self.first, last + 1):
            text = code[starts[line - 1] : starts[line]]
            flags.append(depth == 0 and text[:1] != _FILL and bool(text.strip()))
            depth += _net_brackets(text)
        return flags


def cut(text: str, lines: list[str], starts: list[int], offsets: list[int]) -> list[Piece] | None:
    """The top-level statements of ``text``, or None where the text is small, or anything
    is unusual enough that the whole file is better parsed (``\\r``, an f-string the lexer
    cannot follow, a statement it cannot delimit, nothing opaque)."""
    if not ENABLED or len(text) < MIN_FILE_CHARS or "\r" in text:
        return None
    from gradlint.analyzer.code_mentions import _InertSpans

    spans = _InertSpans(text, len(text))
    if spans.ends and spans.ends[-1] > len(text):
        return None  # an f-string the lexer could not follow: nothing after it is trusted
    code = _blank(text, spans)
    statements = _statement_lines(lines, starts, code, spans)
    if statements is None or len(statements) < 2:
        return None
    pieces: list[Piece] = []
    offset_index = 0
    for number, first in enumerate(statements):
        following = statements[number + 1] if number + 1 < len(statements) else len(lines) + 1
        start = starts[first - 1]
        end = starts[following - 1] if following <= len(lines) else len(text)
        last = _last_code_line(code, starts, first, following)
        piece = Piece(first, last, start, end)
        while offset_index < len(offsets) and offsets[offset_index] < start:
            offset_index += 1
        mentioned = offset_index < len(offsets) and offsets[offset_index] < end
        if number and not mentioned and end - start >= OPAQUE_MIN_CHARS:
            _read_opaque(piece, code, text, starts, lines)
        pieces.append(piece)
    if not any(piece.opaque for piece in pieces):
        return None
    return pieces


def _net_brackets(code: str) -> int:
    """Brackets ``code`` opens minus those it closes."""
    return (
        code.count("(")
        + code.count("[")
        + code.count("{")
        - code.count(")")
        - code.count("]")
        - code.count("}")
    )


def _blank(text: str, spans) -> str:
    """``text`` with comments blanked and string literals filled with :data:`_FILL` (line
    breaks kept), so that brackets, keywords and names are only those of code."""
    parts: list[str] = []
    previous = 0
    for start, end in zip(spans.starts, spans.ends, strict=True):
        parts.append(text[previous:start])
        literal = text[start:end]
        if literal[:1] == "#":
            parts.append(" " * (end - start))
        elif "\n" in literal:
            parts.append("\n".join(_FILL * len(part) for part in literal.split("\n")))
        else:
            parts.append(_FILL * (end - start))
        previous = end
    parts.append(text[previous:])
    return "".join(parts)


def _statement_lines(lines: list[str], starts: list[int], code: str, spans) -> list[int] | None:
    """The line numbers where top-level statements begin (decorators included): lines with
    code in the first column, outside brackets and strings, not continuing a line or a
    compound statement."""
    found: list[int] = []
    depth = 0
    counted = 0  # the offset up to which brackets are counted
    decorated = False
    for number, line in enumerate(lines, start=1):
        head = line[:1]
        if head in (" ", "\t", "\f", "\n", "#", ""):
            continue
        offset = starts[number - 1]
        if code[offset] == _FILL:
            index = spans.index(offset)
            if index is not None and spans.starts[index] != offset:
                continue  # inside a string literal (one that starts here is a statement)
        segment = code[counted:offset]
        depth += _net_brackets(segment)
        counted = offset
        if depth < 0:
            return None
        if depth:
            continue
        if number > 1 and code[offset - 2 : offset] == "\\\n":
            continue  # a continuation line
        word = re.match(r"\w+", code[offset : offset + 10])
        if word is not None and word.group() in _CONTINUATIONS:
            continue
        if decorated:
            if _DEFINITION.match(code, offset):
                decorated = False
            continue  # the decorated statement belongs to its decorators
        found.append(number)
        decorated = head == "@"
    return found


def _last_code_line(code: str, starts: list[int], first: int, following: int) -> int:
    number = following - 1
    while number > first:
        begin = starts[number - 1]
        end = starts[number] if number < len(starts) else len(code)
        if code[begin:end].strip():
            return number
        number -= 1
    return first


def _read_opaque(piece: Piece, code: str, text: str, starts: list[int], lines: list[str]) -> None:
    """What the slicer asks of a large ``def``/``class`` it may drop, read lexically; the
    piece stays parsed (not opaque) when anything is unclear."""
    segment = code[piece.start : piece.end]
    if "\\\n" in segment:
        return
    imports: list[ast.stmt] = []
    if "import" in segment:
        found = _imports(code, piece.start, piece.end, starts)
        if found is None:
            return
        imports = found
    offset = piece.start
    while code.startswith("@", offset):  # decorators: skip to the statement they decorate
        depth = 0
        while True:  # to the end of the decorator's logical line
            next_line = code.find("\n", offset, piece.end)
            if next_line == -1:
                return
            decorator = code[offset:next_line]
            depth += _net_brackets(decorator)
            offset = next_line + 1
            if depth <= 0:
                break
        while offset < piece.end and code[offset] in " \t\f\n":
            offset += 1
        if offset >= piece.end:
            return
    definition = _MEMBER.match(code, offset)
    if definition is None:
        return
    colon = _header_colon(code, definition.end(), piece.end)
    if colon is None:
        return
    line_end = code.find("\n", colon)
    if line_end == -1 or code[colon + 1 : line_end].strip():
        return  # the body starts on the header's line
    body = line_end + 1
    while body < piece.end:
        end = code.find("\n", body)
        end = piece.end if end == -1 else end
        if code[body:end].strip():
            break
        body = end + 1
    else:
        return
    line = code[body : code.find("\n", body)]
    indent = line[: len(line) - len(line.lstrip(" \t\f"))]
    if not indent:
        return
    piece.kind, piece.name = definition.group(1), definition.group(2)
    piece.body_indent = indent
    piece.code, piece.starts = code, starts
    piece.defined = _defined(segment)
    piece.imports = tuple(imports)
    piece.may_assign = frozenset(_MAY_ASSIGN.findall(segment))
    if piece.kind == "class":
        piece.header = text[definition.start() : colon + 1]
        methods = []
        for match in re.finditer(rf"(?m)^{re.escape(indent)}(?=[^ \t\f])", segment):
            member = _MEMBER.match(segment, match.end())
            if member is not None and member.group(1) == "def":
                methods.append(member.group(2))
        piece.methods = tuple(methods)
    piece.opaque = True


#: ``from <module>`` before ``import``, at the end of the text before it on its line.
_FROM = re.compile(r"(?:^|(?<=[ \t\f;:]))from[ \t\f]+[.\w \t\f]*\Z")


def _imports(code: str, start: int, end: int, starts: list[int]) -> list[ast.stmt] | None:
    """Every import statement in ``code[start:end]``, each parsed alone and placed at its
    line and column (what the slicer's import facts sort by); None when one is not plain
    (the statement is then parsed with the rest)."""
    found: list[ast.stmt] = []
    offset = code.find("import", start, end)
    while offset != -1:
        after = code[offset + 6 : offset + 7]
        if (code[offset - 1].isalnum() or code[offset - 1] == "_") or (
            after.isalnum() or after == "_"
        ):
            offset = code.find("import", offset + 6, end)
            continue
        line_start = code.rfind("\n", 0, offset) + 1
        prefix = code[line_start:offset]
        head = _FROM.search(prefix)
        statement_start = line_start + head.start() if head is not None else offset
        before = code[line_start:statement_start].rstrip(" \t\f")
        if before and not before.endswith((";", ":")):
            return None
        rest = offset + 6
        while rest < end and code[rest] in " \t\f":
            rest += 1
        if head is not None and code.startswith("(", rest):
            close = code.find(")", rest, end)
            if close == -1:
                return None
            statement_end = close + 1
        else:
            line_end = code.find("\n", offset, end)
            line_end = end if line_end == -1 else line_end
            semicolon = code.find(";", offset, line_end)
            statement_end = line_end if semicolon == -1 else semicolon
        try:
            tree = ast.parse(code[statement_start:statement_end])
        except (SyntaxError, ValueError):
            return None
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Import | ast.ImportFrom):
            return None
        node = tree.body[0]
        node.lineno = bisect.bisect_right(starts, statement_start)
        node.col_offset = statement_start - starts[node.lineno - 1]
        found.append(node)
        offset = code.find("import", statement_end, end)
    return found


def _defined(segment: str) -> frozenset[str]:
    """The names of every ``def``/``class`` in ``segment`` (code only), at any depth."""
    names = set()
    for match in _DEFINED.finditer(segment):
        line_start = segment.rfind("\n", 0, match.start()) + 1
        if segment[line_start : match.start()].strip(" \t\f") in ("", "async"):
            names.add(match.group(1))
    return frozenset(names)


def _header_colon(code: str, offset: int, end: int) -> int | None:
    """The offset of the colon that ends a ``def``/``class`` header (outside brackets)."""
    depth = 0
    for match in _BRACKETS.finditer(code, offset, end):
        char = match.group()
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0:
            return match.start()
    return None
