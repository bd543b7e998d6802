"""Findings as plain data, so every output format and integration reads the same record.

Kept free of LibCST so that formatters, the cache and the flake8 plugin can use it without
paying for the parser import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based lines, 1-based columns) of the analyzed
    Python source. For notebooks the positions are within ``cell`` (1-based, all cells)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: int | None = None


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...] = ()

    def to_dict(self) -> dict:
        return {"description": self.description, "edits": [asdict(e) for e in self.edits]}


@dataclass(frozen=True)
class Finding:
    """One problem at one place.

    ``line``/``column`` are 1-based. For a notebook, ``cell`` is the 1-based index of the cell
    among all stored cells and the positions are within that cell; ``file_line`` is then the
    line of the raw ``.ipynb`` file holding that source line (annotations need file lines).
    """

    code: str
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str = "error"
    cell: int | None = None
    fix: Fix | None = None
    file_line: int | None = None
    file_end_line: int | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    @property
    def annotation_line(self) -> int:
        """The line in the file on disk (differs from ``line`` only for notebooks)."""
        return self.file_line if self.file_line is not None else self.line

    @property
    def annotation_end_line(self) -> int:
        if self.file_end_line is not None:
            return self.file_end_line
        if self.file_line is not None:
            return self.file_line + (self.end_line - self.line)
        return self.end_line

    def location(self) -> str:
        """``path:line:col`` or, in a notebook, ``path:cell N:line:col``."""
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict:
        """The JSON shape promised in the README; keys are fixed."""
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "cell": self.cell,
            "severity": self.severity,
            "fix": self.fix.to_dict() if self.fix else None,
        }
