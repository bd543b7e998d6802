"""Jupyter notebooks as sources: read, map positions back to cells, and edit cells in place.

A notebook is analyzed as one program, its code cells joined in stored order, because that is
how a kernel runs it: the tape of one cell and the ``tape.gradient`` of a later one share a
namespace. IPython syntax (magics, shell escapes, help) is replaced line for line by plain
statements, so nothing shifts and the joined text is also a runnable script: the runtime
confirmer executes ``load_notebook(raw, path).text`` and maps lines back with
:meth:`SourceUnit.locate`.

Positions in the raw ``.ipynb`` file come from a small scan of the JSON text itself, so that
annotations (GitHub, SARIF) land on the diff line a reviewer sees. Edits for ``--fix`` splice
only the ``source`` value of the edited cells and leave every other byte alone, because
notebooks are diffed and reviewed as text and a rewrite of the whole file would bury the fix.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json.decoder import scanstring

from gradlint.analyzer.findings import Edit
from gradlint.analyzer.sources import LINE_BREAK, CellSpan, SourceError, SourceUnit

#: Cell magics whose body is Python run in the kernel's namespace; any other cell magic
#: (``%%bash``, ``%%writefile``, ``%%html``, unknown extensions...) makes the cell not Python.
PYTHON_CELL_MAGICS = frozenset(
    {
        "time",
        "timeit",
        "capture",
        "prun",
        "debug",
        "memit",
        "snakeviz",
        "px",
        "autopx",
        # Deep Learning with Python's ``%%backend tensorflow``: the cell runs as Python
        # when the notebook's Keras backend is the one named (else it is skipped).
        "backend",
    }
)

_WS = re.compile(r"[ \t\n\r]*")
_INDENT = re.compile(r"[ \t]*")
_CELL_MAGIC = re.compile(r"%%\s*([\w.-]*)")
#: ``files = !ls`` / ``t = %timeit -o f()``: IPython assigns the magic's result to the target.
_MAGIC_ASSIGN = re.compile(r"([A-Za-z_][\w.\[\]'\", ]*?)\s*=\s*[!%]")
#: A ``\\uXXXX`` escape of a non-ASCII character: the writer used ``ensure_ascii=True``.
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")
_OPEN = "([{"
_CLOSE = ")]}"


class NotebookEditError(ValueError):
    """An edit that cannot be applied; the message is one line fit for the user."""


# --------------------------------------------------------------------------------------------
# Reading


def load_notebook(raw: bytes, path: str) -> SourceUnit | SourceError:
    """The notebook's code cells as one Python text, or the reason it cannot be read."""
    doc = _read_document(raw, path)
    if isinstance(doc, SourceError):
        return doc
    unit = SourceUnit(path=path, text="", kind="notebook", encoding=doc.encoding, raw=raw)
    if not _is_python(doc.notebook):
        return unit
    parts: list[str] = []
    next_line = 1
    for index, cell in enumerate(doc.cells):
        if cell.get("cell_type") != "code" or _foreign_cell(cell):
            continue
        lines = python_lines(_joined(cell["source"]))
        if not lines:
            continue
        file_lines = _file_lines(cell["source"], len(lines), doc.spans.get(index), doc.line_of)
        problem = _syntax_problem(lines)
        if problem is not None and _reads_as_r(lines):
            # A notebook that switches to an R runtime for some cells (Colab's "change
            # runtime type"): those cells are not Python, and not broken either.
            continue
        if problem is not None:
            reason, line, column = problem
            where = f"cell {index + 1}, line {line}"
            unit.cell_errors.append(
                SourceError(
                    path,
                    f"syntax error: {reason} ({where}); the other cells were analyzed",
                    line=line,
                    column=column,
                    cell=index + 1,
                    file_line=file_lines[line - 1] if line <= len(file_lines) else None,
                )
            )
            lines = [""] * len(lines)
        elif _starts_indented(lines):
            # IPython strips a cell's common leading indent before running it. Dedenting would
            # move every column, so the cell goes under an ``if True:`` line of its own that
            # belongs to no cell: lines and columns stay exact, and the text still runs.
            parts.append("if True:\n")
            next_line += 1
        unit.cells.append(CellSpan(index + 1, next_line, len(lines), file_lines))
        parts.extend(line + "\n" for line in lines)
        next_line += len(lines)
    unit.text = "".join(parts)
    return unit


#: Where notebook front ends record a code cell's own language (VS Code; .NET Interactive
#: and Polyglot Notebooks); a value without "python" in it makes the cell not Python.
_CELL_LANGUAGE_KEYS = (
    ("vscode", "languageId"),
    ("dotnet_interactive", "language"),
    ("polyglot_notebook", "kernelName"),
)
#: R read in a cell that CPython rejects: ``x <- value`` at a line's start, ``library(...)``,
#: ``TRUE``/``FALSE``/``NULL``/``NA`` literals, or a dotted keyword argument
#: (``row.names=FALSE``), which Python has no spelling for.
_R_SIGNS = re.compile(
    r"^\s*[A-Za-z_.][\w.]*\s*<<?-\s*\S"
    r"|^\s*(library|require|suppressMessages)\("
    r"|\b(TRUE|FALSE|NULL|NA)\b"
    r"|[(,]\s*[A-Za-z_]\w*\.[\w.]+\s*=[^=]"
    r"|%>%|%in%",
    re.MULTILINE,
)

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _foreign_cell(cell: dict) -> bool:
    """A code cell whose metadata says it is written in another language."""
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return False
    for key, field in _CELL_LANGUAGE_KEYS:
        value = metadata.get(key)
        language = value.get(field) if isinstance(value, dict) else None
        if isinstance(language, str) and language and "python" not in language.lower():
            return True
    return False


def _reads_as_r(lines: list[str]) -> bool:
    """Whether a cell that does not parse as Python reads as R (see :data:`_R_SIGNS`)."""
    text = _QUOTED.sub("''", "\n".join(lines))  # words in strings are no sign
    return _R_SIGNS.search(text) is not None


def _syntax_problem(lines: list[str]) -> tuple[str, int, int] | None:
    """Why the cell does not parse on its own, and where (line and column within the cell).

    Jupyter compiles each cell separately and runs the others when one fails, so a cell is
    checked alone; IPython's top-level ``await`` is allowed, as the kernel allows it.
    """
    text = "".join(line + "\n" for line in lines)
    prefix = 0
    if _starts_indented(lines):
        text, prefix = "if True:\n" + text, 1
    try:
        compile(text, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, True)
    except SyntaxError as exc:
        line = max((exc.lineno or 1) - prefix, 1)
        return exc.msg or "invalid syntax", min(line, len(lines)), exc.offset or 1
    except (ValueError, RecursionError, MemoryError):
        return None  # NUL bytes, deep nesting: the whole-file parse reports those as before
    return None


def _starts_indented(lines: list[str]) -> bool:
    """The cell's first code line is indented (IPython would strip that indent)."""
    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return bool(code) and code[0][:1].isspace()


def python_lines(source: str) -> list[str]:
    """The cell's lines with IPython syntax neutralized; ``[]`` when the cell is not Python.

    Every line keeps its place and indentation: a magic becomes ``pass`` (or ``target = None``
    for ``x = !cmd``), so a magic inside an indented block still parses and no comment appears
    that a rule could mistake for commented-out code.
    """
    lines = LINE_BREAK.split(source)
    if lines and lines[-1] == "":
        lines.pop()
    if not any(line.strip() for line in lines):
        return []
    first = next(i for i, line in enumerate(lines) if line.strip())
    head = lines[first].lstrip()
    if head.startswith("%%"):
        match = _CELL_MAGIC.match(head)
        if match is None or match.group(1) not in PYTHON_CELL_MAGICS:
            return []
        start = first + 1
        while start < len(lines) and lines[start - 1].rstrip().endswith("\\"):
            start += 1  # the magic's arguments continue on the next line
        lines[first:start] = [""] * (start - first)
    else:
        start = 0
    _neutralize(lines, start)
    return lines


def _neutralize(lines: list[str], start: int) -> None:
    """Replace IPython-only logical lines in place, tracking strings and brackets so that a
    ``!`` or ``%`` inside a triple-quoted string or a continued expression is left alone."""
    depth = 0
    quote: str | None = None
    continued = False
    i = start
    while i < len(lines):
        line = lines[i]
        fresh = depth == 0 and quote is None and not continued
        if fresh:
            replacement = _replacement(line)
            if replacement is not None:
                lines[i] = replacement
                while line.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    line = lines[i]
                    lines[i] = ""
                i += 1
                continue
        depth, quote, continued = _scan(line, depth, quote)
        i += 1


def _replacement(line: str) -> str | None:
    """The statement standing in for an IPython-only line, or None for plain Python."""
    indent = _INDENT.match(line).group()
    body = line[len(indent) :]
    if not body:
        return None
    if body[0] in "%!?/,;":
        return indent + "pass"
    assign = _MAGIC_ASSIGN.match(body)
    if assign is not None:
        return f"{indent}{assign.group(1).rstrip()} = None"
    if _ends_with_help(body):
        return indent + "pass"
    return None


def _ends_with_help(body: str) -> bool:
    """``obj?`` / ``obj.method??``: a ``?`` that ends the code part of the line."""
    if "?" not in body:
        return False
    _, _, _, last = _scan_line(body, 0, None)
    return last == "?"


def _scan(line: str, depth: int, quote: str | None) -> tuple[int, str | None, bool]:
    depth, quote, continued, _ = _scan_line(line, depth, quote)
    return depth, quote, continued


def _scan_line(line: str, depth: int, quote: str | None) -> tuple[int, str | None, bool, str]:
    """Tokenizer-lite state after ``line``: bracket depth, open string quote, backslash
    continuation, and the last character of code outside strings and comments."""
    i = 0
    n = len(line)
    last = ""
    while i < n:
        ch = line[i]
        if quote is not None:
            if ch == "\\":
                if i + 1 == n:
                    return depth, quote, True, last
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                last = ch
                continue
            i += 1
            continue
        if ch == "#":
            break
        if ch in "\"'":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif ch == "\\" and i + 1 == n:
            return depth, quote, True, last
        if not ch.isspace():
            last = ch
        i += 1
    if quote is not None and len(quote) == 1:
        quote = None  # an unterminated one-line string: a syntax error the parser reports
    return depth, quote, False, last


def _is_python(notebook: dict) -> bool:
    """False for notebooks of other kernels (R, Julia...), whose code cells are not Python."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    names = []
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str) and value[field]:
            names.append(value[field].lower())
    return all("python" in name for name in names)


def _joined(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


# --------------------------------------------------------------------------------------------
# The JSON document and where its cell sources sit in the file


@dataclass
class _SourceSpan:
    """Character offsets of one cell's ``source`` value in the decoded file text."""

    start: int
    end: int
    key_start: int
    #: (start, end) of each string of a list source; None for a string source.
    elements: list[tuple[int, int]] | None


@dataclass
class _Document:
    text: str
    encoding: str
    notebook: dict
    cells: list[dict]
    spans: dict[int, _SourceSpan]
    newline_offsets: list[int]

    def line_of(self, offset: int) -> int:
        return bisect_right(self.newline_offsets, offset - 1) + 1 if offset > 0 else 1


def _lenient_int(digits: str) -> int | float:
    """An integer too long for ``int()`` (more than 4,300 digits: Python refuses, to bound
    the time) is read as a float: no such number matters to the analysis, and the notebook
    is still read."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def _read_document(raw: bytes, path: str) -> _Document | SourceError:
    if not raw.strip():
        return SourceError(path, "not a notebook: the file is empty")
    try:
        encoding = json.detect_encoding(raw)
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = raw[: getattr(exc, "start", 0)].count(b"\n") + 1
        return SourceError(
            path, f"cannot decode notebook: {getattr(exc, 'reason', exc)}", line=line
        )
    if text.startswith("\ufeff"):
        text = text[1:]
        encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        notebook = json.loads(text, parse_int=_lenient_int)
    except json.JSONDecodeError as exc:
        return SourceError(
            path,
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            line=exc.lineno,
            column=exc.colno,
        )
    except RecursionError:
        return SourceError(path, "invalid notebook: JSON nested too deeply")
    if not isinstance(notebook, dict):
        return SourceError(
            path, f"not a notebook: the JSON top level is {_json_type(notebook)}, not an object"
        )
    version = notebook.get("nbformat")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return SourceError(
            path, f"not a notebook: 'nbformat' is {_json_type(version)}, not an integer"
        )
    if isinstance(version, int) and version < 4:
        return SourceError(
            path,
            f"nbformat {version} is not supported (need 4 or newer; "
            "convert with 'jupyter nbconvert --to notebook')",
        )
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        what = "no 'cells' list" if cells is None else f"'cells' is {_json_type(cells)}"
        return SourceError(path, f"not a notebook: {what}")
    newline_offsets = [m.start() for m in re.finditer("\n", text)]
    doc = _Document(text, encoding, notebook, cells, {}, newline_offsets)
    doc.spans = _source_spans(text, len(cells))
    for index, cell in enumerate(cells):
        problem = _cell_problem(cell)
        if problem is not None:
            span = doc.spans.get(index)
            line = doc.line_of(span.start) if span else 1
            return SourceError(path, f"cell {index + 1}: {problem}", line=line)
    return doc


def _cell_problem(cell: object) -> str | None:
    if not isinstance(cell, dict):
        return f"a cell must be an object, not {_json_type(cell)}"
    if "source" not in cell:
        return "no 'source'" if cell.get("cell_type") == "code" else None
    source = cell["source"]
    if isinstance(source, str):
        return None
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return None
    if isinstance(source, list):
        bad = next(part for part in source if not isinstance(part, str))
        return (
            f"'source' must be a string or a list of strings (found {_json_type(bad)} in the list)"
        )
    return f"'source' must be a string or a list of strings, not {_json_type(source)}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Scanner:
    """Walks valid JSON text far enough to find each cell's ``source`` value.

    Values that do not matter (outputs, metadata) are skipped with the C decoder; the walk
    only descends into the top-level object, its ``cells`` list and each cell object.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()

    def value_end(self, i: int) -> int:
        return self.decoder.raw_decode(self.text, i)[1]

    def members(self, i: int) -> Iterator[tuple[str, int, int, int]]:
        """(key, key start, value start, value end) of the object starting at ``i``."""
        text = self.text
        if text[i] != "{":
            return
        i = self.ws(i + 1)
        if text[i] == "}":
            return
        while True:
            key_start = i
            key, i = scanstring(text, i + 1)
            i = self.ws(i)
            i = self.ws(i + 1)  # past ':'
            end = self.value_end(i)
            yield key, key_start, i, end
            i = self.ws(end)
            if text[i] == "}":
                return
            i = self.ws(i + 1)  # past ','

    def elements(self, i: int) -> Iterator[tuple[int, int]]:
        text = self.text
        if text[i] != "[":
            return
        i = self.ws(i + 1)
        if text[i] == "]":
            return
        while True:
            end = self.value_end(i)
            yield i, end
            i = self.ws(end)
            if text[i] == "]":
                return
            i = self.ws(i + 1)


def _source_spans(text: str, cell_count: int) -> dict[int, _SourceSpan]:
    """Cell index -> where its ``source`` is; empty when the walk fails (never on valid JSON)."""
    scanner = _Scanner(text)
    spans: dict[int, _SourceSpan] = {}
    try:
        cells_at = None
        for key, _, start, _ in scanner.members(scanner.ws(0)):
            if key == "cells":
                cells_at = start  # the last duplicate wins, as in json.loads
        if cells_at is None:
            return spans
        for index, (cell_start, _) in enumerate(scanner.elements(cells_at)):
            found = None
            for key, key_start, start, end in scanner.members(cell_start):
                if key == "source":
                    found = (key_start, start, end)
            if found is None:
                continue
            key_start, start, end = found
            elements = list(scanner.elements(start)) if text[start] == "[" else None
            spans[index] = _SourceSpan(start, end, key_start, elements)
    except (IndexError, ValueError, RecursionError):
        return _fallback_spans(text, cell_count)
    return spans


def _fallback_spans(text: str, cell_count: int) -> dict[int, _SourceSpan]:
    """Only the ``"source"`` keys, in order, when they pair up one to one with the cells."""
    keys = [m.start() for m in re.finditer(r'"source"\s*:', text)]
    if len(keys) != cell_count:
        return {}
    return {i: _SourceSpan(k, k, k, None) for i, k in enumerate(keys)}


def _file_lines(
    stored: str | list[str], line_count: int, span: _SourceSpan | None, line_of
) -> tuple[int, ...]:
    """For each of the cell's source lines, the raw file line holding its first character.

    A JSON string never spans file lines, so a string source sits on one line, and a list
    source has each line on the line of the list element where that line begins.
    """
    if span is None:
        return ()
    if span.elements is None or isinstance(stored, str):
        return (line_of(span.start),) * line_count
    element_starts: list[int] = []
    element_lines: list[int] = []
    offset = 0
    for (start, _), part in zip(span.elements, stored, strict=False):
        if part:
            element_starts.append(offset)
            element_lines.append(line_of(start))
        offset += len(part)
    if not element_starts:
        return (line_of(span.key_start),) * line_count
    source = "".join(stored)
    starts = [0] + [m.end() for m in LINE_BREAK.finditer(source)]
    return tuple(
        element_lines[max(bisect_right(element_starts, line_start) - 1, 0)]
        for line_start in starts[:line_count]
    )


# --------------------------------------------------------------------------------------------
# Editing


def to_cell_edit(unit: SourceUnit, edit: Edit) -> Edit | None:
    """``edit`` (positions in ``unit.text``) as positions within one cell, or None when it
    spans cells or touches no cell. An end at column 1 just past a cell's last line means
    "through the end of the cell" and stays in that cell."""
    if unit.kind != "notebook":
        return edit
    for span in unit.cells:
        last = span.first_line + span.line_count  # first line after the cell
        if not span.first_line <= edit.line < last:
            continue
        if edit.end_line < last or (edit.end_line == last and edit.end_column == 1):
            return Edit(
                line=edit.line - span.first_line + 1,
                column=edit.column,
                end_line=edit.end_line - span.first_line + 1,
                end_column=edit.end_column,
                content=edit.content,
                cell=span.cell,
            )
        return None
    return None


def apply_cell_edits(raw: bytes, edits: Iterable[Edit]) -> bytes:
    """The notebook with ``edits`` applied to their cells' ``source``; other bytes unchanged.

    Only the ``source`` value of each edited cell is re-serialized, in the layout of the
    original (one string per line at the same indentation, or one string, or inline), with the
    same ``\\u`` escaping. Raises :class:`NotebookEditError` when an edit does not fit the
    notebook, so the caller writes nothing.
    """
    edits = list(edits)
    if not edits:
        return raw
    doc = _read_document(raw, "notebook")
    if isinstance(doc, SourceError):
        raise NotebookEditError(doc.message)
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        if edit.cell is None or not 1 <= edit.cell <= len(doc.cells):
            raise NotebookEditError(
                f"an edit names cell {edit.cell}, which the notebook does not have"
            )
        cell = doc.cells[edit.cell - 1]
        if cell.get("cell_type") != "code" or "source" not in cell:
            raise NotebookEditError(f"an edit names cell {edit.cell}, which is not a code cell")
        by_cell.setdefault(edit.cell - 1, []).append(edit)
    ensure_ascii = doc.text.isascii() and (
        _NON_ASCII_ESCAPE.search(doc.text) is not None
        # No evidence either way: a two-space layout is Colab's or json.dump(indent=2)'s,
        # and both escape non-ASCII; nbformat (one space) and minified writers do not.
        or doc.text.startswith('{\n  "')
    )
    expected = copy.deepcopy(doc.notebook)
    replacements: list[tuple[int, int, str]] = []
    for index, cell_edits in by_cell.items():
        stored = doc.cells[index]["source"]
        old = _joined(stored)
        new = _edited(old, cell_edits, index + 1)
        if new == old:
            continue
        new_stored: str | list[str] = new if isinstance(stored, str) else new.splitlines(True)
        expected["cells"][index]["source"] = new_stored
        span = doc.spans.get(index)
        if span is None or span.start == span.end:
            raise NotebookEditError(f"cannot locate the source of cell {index + 1}")
        if isinstance(new_stored, str):
            value = json.dumps(new_stored, ensure_ascii=ensure_ascii)
        else:
            value = _render_list(new_stored, doc.text, span, ensure_ascii)
        replacements.append((span.start, span.end, value))
    if not replacements:
        return raw
    text = doc.text
    for start, end, value in sorted(replacements, reverse=True):
        text = text[:start] + value + text[end:]
    if _canonical(json.loads(text, parse_int=_lenient_int)) != _canonical(expected):
        raise NotebookEditError("internal error: the edited notebook does not round-trip")
    return text.encode(doc.encoding)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True)  # NaN-safe equality, unlike ==


def _edited(source: str, edits: list[Edit], cell: int) -> str:
    """``source`` with ``edits`` applied.

    The analyzed text ends every cell with a newline, so positions may refer to that newline
    (or to the line after it) even when the stored source has none: the edits run against the
    source with that newline added, and it is taken off again afterwards.
    """
    newline = "\r\n" if "\r\n" in source else "\n"
    virtual = not source or source[-1] not in "\r\n"
    edited = _edited_text(
        source + newline if virtual else source, edits, cell, newline if newline == "\r\n" else None
    )
    if virtual and edited.endswith(newline):
        edited = edited[: -len(newline)]
    return edited


def _edited_text(source: str, edits: list[Edit], cell: int, newline: str | None) -> str:
    starts = [0] + [m.end() for m in LINE_BREAK.finditer(source)]
    ends = [m.start() for m in LINE_BREAK.finditer(source)] + [len(source)]

    def offset(line: int, column: int) -> int:
        if not 1 <= line <= len(starts) or column < 1:
            raise NotebookEditError(
                f"an edit points at line {line}, column {column} of "
                f"cell {cell}, which does not exist"
            )
        at = starts[line - 1] + column - 1
        if at > ends[line - 1]:
            raise NotebookEditError(f"an edit points past the end of line {line} of cell {cell}")
        return at

    spans = []
    for edit in edits:
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        if end < start:
            raise NotebookEditError(f"an edit of cell {cell} ends before it starts")
        content = LINE_BREAK.sub(newline, edit.content) if newline else edit.content
        spans.append((start, end, content))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (_, prev_end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
        if start < prev_end:
            raise NotebookEditError(f"two edits of cell {cell} overlap")
    for start, end, content in reversed(spans):
        source = source[:start] + content + source[end:]
    return source


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _render_list(parts: list[str], text: str, span: _SourceSpan, ensure_ascii: bool) -> str:
    """A JSON list of ``parts`` laid out like the list it replaces."""
    items = [json.dumps(part, ensure_ascii=ensure_ascii) for part in parts]
    if not items:
        return "[]"
    newline = "\r\n" if "\r\n" in text else "\n"
    elements = span.elements or []
    old = text[span.start : span.end]
    if elements and "\n" in old:
        first = elements[0][0]
        item_indent = text[_line_start(text, first) : first]
        close = span.end - 1
        close_indent = text[_line_start(text, close) : close]
        if not item_indent.strip() and not close_indent.strip():
            return _multiline(items, item_indent, close_indent, newline)
    if len(elements) >= 2:
        return "[" + text[elements[0][1] : elements[1][0]].join(items) + "]"
    key_line = _line_start(text, span.key_start)
    key_indent = text[key_line : span.key_start]
    unit = re.search(r"\n([ \t]+)\S", text)
    if key_line > 0 and not key_indent.strip() and unit is not None:
        return _multiline(items, key_indent + unit.group(1), key_indent, newline)
    between = text[span.key_start + len('"source"') : span.start]
    return "[" + (", " if " " in between else ",").join(items) + "]"


def _multiline(items: list[str], item_indent: str, close_indent: str, newline: str) -> str:
    body = ("," + newline).join(item_indent + item for item in items)
    return "[" + newline + body + newline + close_indent + "]"


# --------------------------------------------------------------------------------------------
# Notebook semantics for rules


def is_cell_result(unit: SourceUnit, first_line: int, last_line: int) -> bool:
    """Whether a top-level statement on text lines ``first_line..last_line`` is the last
    statement of its cell.

    Jupyter displays the value of a cell's last expression statement, so there an expression
    like ``tape.gradient(z, [x])`` is looked at, not dropped. (A trailing ``;`` suppresses
    the display; the caller sees that on the statement node.)
    """
    if unit.kind != "notebook":
        return False
    for span in unit.cells:
        end = span.first_line + span.line_count  # first line after the cell
        if span.first_line <= first_line < end:
            if last_line >= end:
                return False
            rest = LINE_BREAK.split(unit.text)[last_line : end - 1]
            return all(not line.strip() or line.lstrip().startswith("#") for line in rest)
    return False
