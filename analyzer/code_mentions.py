"""Whether a rule's required text occurs in code, not only in comments, strings or imports.

Most library files that mention ``GradientTape`` do so in a docstring example, a comment, an
``@tf_export("GradientTape")`` string or a re-export (``from ...backprop import
GradientTape``). None of those can hold a tape: a tape is created by a call whose name
contains the text, or through an ``import ... as`` alias, both of which are code. So before
paying for any parser, a lexer that knows only comments and string literals (one regular
expression, run in C) tells the mentions that matter from the ones that do not.

The answer errs on one side only: when the lexer cannot be sure (an f-string, whose
replacement fields are code, or anything that looks unusual), the mention counts as code and
the file is analyzed as before.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable

#: Comments and string literals, leftmost first, so a ``#`` inside a string and a quote
#: inside a comment are what they are. Each body is written as runs of ordinary characters
#: (one step of the regular expression engine per run, not per character), and a string's
#: prefix (``r``, ``f``, ``rb``...) is read back from the text before its quote: a pattern
#: that may start with a letter is tried at every letter of the file, twice as slow.
_LEXEME = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
    | (?P<string>
          '''[^'\\]*(?:(?:\\(?:\r\n|.)|'(?!''))[^'\\]*)*'''
        | \"\"\"[^"\\]*(?:(?:\\(?:\r\n|.)|"(?!""))[^"\\]*)*\"\"\"
        | '[^\\'\r\n]*(?:\\(?:\r\n|.)[^\\'\r\n]*)*'
        | "[^\\"\r\n]*(?:\\(?:\r\n|.)[^\\"\r\n]*)*"
      )
    """,
    re.VERBOSE | re.DOTALL,
)
#: The first character of every lexeme.
_LEXEME_START = re.compile(r"[#'\"]")
#: The letters of a string prefix; a prefix has at most two.
_PREFIX_LETTERS = frozenset("rRbBuUfF")

#: A physical line that imports plain names: ``from a.b import X, Y`` or ``import a, b``.
#: The mention must be one of the names, not followed by ``as`` (an alias is a new name).
_PLAIN_IMPORT_PREFIX = re.compile(
    r"[ \t]*(?:from[ \t]+\.*[\w.]*[ \t]+import[ \t]+\(?|import[ \t]+)"
    r"(?:[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?[ \t]*,)*[ \t]*\Z"
)
_PLAIN_IMPORT_SUFFIX = re.compile(r"[ \t]*(?:,[^;\r\n]*)?(?:\#[^\r\n]*)?(?:\r\n|\r|\n|\Z)")
#: Inside parentheses, the name ends at the next ``,`` or ``)``: an ``as`` may follow on the
#: next line, after comments.
_PARENTHESIZED_SUFFIX = re.compile(r"(?:[ \t\r\n\f]|\#[^\r\n]*)*[,)]")
#: The same names, on a continuation line of ``from a import (`` (checked with the opener).
_CONTINUED_NAMES = re.compile(r"[ \t]*(?:\w+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*\Z")
_OPEN_FROM_IMPORT = re.compile(
    r"[ \t]*from[ \t]+\.*[\w.]*[ \t]+import[ \t]*\([ \t]*(?:\#[^\r\n]*)?(?:\r\n|\r|\n)"
    r"(?:(?:[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?[ \t]*,)*[ \t]*(?:\#[^\r\n]*)?(?:\r\n|\r|\n))*\Z"
)


def mentions_in_code(text: str, tokens: Iterable[str]) -> bool:
    """Whether any token occurs where it could be (part of) code that creates a tape."""
    return bool(code_mentions(text, tokens))


def code_mentions(text: str, tokens: Iterable[str]) -> list[int]:
    """Offsets of the tokens' occurrences outside comments, non-f strings and plain
    imports, in increasing order."""
    key = (text, tuple(tokens))
    found = _known.get(key)
    if found is None and len(key[1]) > 1:
        singles = [_known.get((text, (token,))) for token in key[1]]
        if all(single is not None for single in singles):
            # The prefilter lexed each token already (see mentions_among): no lexing again.
            found = tuple(sorted({offset for single in singles for offset in single or ()}))
            remember(text, key[1], found)
    if found is None:
        found = _code_mentions(*key)
        remember(text, key[1], found)
    return list(found)


def mentions_among(text: str, token: str, present: tuple[str, ...]) -> list[int]:
    """``code_mentions(text, (token,))``, lexing once for every token of ``present`` (the
    rules' required texts found in ``text``) and remembering each one's answer: the slicer
    asks about all of them together next, and a worker process is handed the answers."""
    found = _known.get((text, (token,)))
    if found is not None:
        return list(found)
    tokens = tuple(dict.fromkeys((token, *present)))
    if len(tokens) == 1:
        return code_mentions(text, tokens)
    combined = set(_code_mentions(text, tokens))
    for each in tokens:
        remember(text, (each,), tuple(o for o in _occurrences(text, each) if o in combined))
    return list(_known.get((text, (token,)), ()))


#: The last few answers: the prefilter and the slicer ask about the same text one after the
#: other, and a worker process is handed what the main process's prefilter found.
_known: dict[tuple[str, tuple[str, ...]], tuple[int, ...]] = {}
_KNOWN_MAX = 4


_known_lock = threading.Lock()  # editors and API users may lint from several threads


def remember(text: str, tokens: tuple[str, ...], offsets: tuple[int, ...]) -> None:
    with _known_lock:
        _known.pop((text, tokens), None)
        while len(_known) >= _KNOWN_MAX:
            del _known[next(iter(_known))]
        _known[text, tokens] = offsets


def known(text: str) -> dict[tuple[str, ...], tuple[int, ...]]:
    """What is known about ``text``: tokens -> offsets (for :func:`remember` elsewhere)."""
    with _known_lock:
        items = list(_known.items())
    return {tokens: offsets for (known_text, tokens), offsets in items if known_text is text}


def _code_mentions(text: str, tokens: tuple[str, ...]) -> tuple[int, ...]:
    offsets = sorted({offset for token in tokens if token for offset in _occurrences(text, token)})
    if not offsets:
        return ()
    spans = _InertSpans(text, offsets[-1])
    found: list[int] = []
    for offset in offsets:
        index = spans.index(offset)
        if index is not None:
            if spans.code_inside[index]:
                found.append(offset)  # an f-string's replacement field: code, never an import
            continue
        if not _is_plain_import(text, offset, spans):
            found.append(offset)
    return tuple(found)


def _occurrences(text: str, token: str) -> Iterable[int]:
    offset = text.find(token)
    while offset != -1:
        yield offset
        offset = text.find(token, offset + 1)


class _InertSpans:
    """Start and end offsets of every comment and string literal up to ``last``, and for
    each whether it may hold code (an f-string's replacement fields)."""

    def __init__(self, text: str, last: int) -> None:
        # The hottest loop of the prefilter (every file that mentions a token in some
        # form): the lists are appended to directly, and a quote with no prefix letter
        # before it (most strings) skips the prefix search.
        starts: list[int] = []
        ends: list[int] = []
        code_inside: list[bool] = []
        self.starts, self.ends, self.code_inside = starts, ends, code_inside
        previous_end = 0
        search, lexeme = _LEXEME_START.search, _LEXEME.match
        position = 0
        while True:
            # Where a lexeme may start (one of three characters: a search in C that is
            # several times faster than the full pattern's), then the lexeme itself: the
            # same leftmost matches as ``finditer``, since every lexeme starts so.
            candidate = search(text, position)
            if candidate is None:
                break
            match = lexeme(text, candidate.start())
            if match is None:
                position = candidate.start() + 1
                continue
            position = match.end()
            start = match.start()
            if match.lastgroup == "comment":
                if start > last:
                    break
                previous_end = match.end()
                starts.append(start)
                ends.append(previous_end)
                code_inside.append(False)
                continue
            # The prefix: up to two prefix letters right before the quote, after the
            # previous literal (what a pattern starting with ``[rRbBuUfF]{0,2}`` would
            # have matched leftmost).
            quote = start
            while start > previous_end and quote - start < 2 and text[start - 1] in _PREFIX_LETTERS:
                start -= 1
            if start > last:
                break
            previous_end = match.end()
            is_f = start < quote and ("f" in text[start:quote] or "F" in text[start:quote])
            starts.append(start)
            ends.append(previous_end)
            code_inside.append(is_f)
            if is_f and not _balanced_fields(match.group("string")):
                # Python 3.12 lets a replacement field reuse the string's own quote; the
                # regular expression cannot follow that, so nothing after it is trusted.
                self._add(previous_end, len(text) + 1, True)
                break

    def _add(self, start: int, end: int, code_inside: bool) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.code_inside.append(code_inside)

    def index(self, offset: int) -> int | None:
        """The span holding ``offset``, if any."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index if index >= 0 and offset < self.ends[index] else None


def _balanced_fields(literal: str) -> bool:
    body = literal.replace("{{", "").replace("}}", "")
    depth = 0
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _is_plain_import(text: str, offset: int, spans: _InertSpans) -> bool:
    """Whether the mention at ``offset`` is a whole name imported without ``as`` (it binds a
    name that any use must spell again, and that use is the mention that counts)."""
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    name_start = offset
    while name_start > line_start and _is_word(text[name_start - 1]):
        name_start -= 1
    name_end = offset
    while name_end < len(text) and _is_word(text[name_end]):
        name_end += 1
    before = text[line_start:name_start]
    if _PLAIN_IMPORT_PREFIX.match(before):
        if before.lstrip().startswith("import") and "." in before:
            return False
        suffix = _PARENTHESIZED_SUFFIX if "(" in before else _PLAIN_IMPORT_SUFFIX
        return suffix.match(text, name_end) is not None
    if not _CONTINUED_NAMES.match(before):
        return False
    opener = text.rfind("(", 0, line_start)
    if opener == -1 or spans.index(opener) is not None:
        return False
    opener_line = max(text.rfind("\n", 0, opener), text.rfind("\r", 0, opener)) + 1
    return (
        _OPEN_FROM_IMPORT.match(text[opener_line:line_start]) is not None
        and _PARENTHESIZED_SUFFIX.match(text, name_end) is not None
    )


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"
