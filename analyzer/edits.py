"""Fix edits from CST nodes: source text by position, and edits in the coordinates a
:class:`~gradlint.analyzer.findings.Edit` promises (within the cell, for notebooks)."""

from __future__ import annotations

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.findings import Edit


def text_lines(ctx: ModuleContext) -> list[str]:
    """The analyzed text's lines without their line endings (index 0 is line 1)."""
    return ctx.text_lines


def newline(ctx: ModuleContext) -> str:
    """The text's own line ending (what inserted lines must use)."""
    return ctx.newline


def node_text(ctx: ModuleContext, node: cst.CSTNode) -> str:
    """The exact source of ``node`` (its own characters, as the user wrote them)."""
    span = ctx.position(node)
    lines = text_lines(ctx)
    start, end = span.start, span.end
    if start.line == end.line:
        return lines[start.line - 1][start.column : end.column]
    parts = [lines[start.line - 1][start.column :]]
    parts += lines[start.line : end.line - 1]
    parts.append(lines[end.line - 1][: end.column])
    return newline(ctx).join(parts)


def edit(
    ctx: ModuleContext, line: int, column: int, end_line: int, end_column: int, content: str
) -> Edit | None:
    """An edit of the analyzed text (1-based lines and columns), mapped into its notebook
    cell when the source is a notebook; None when it cannot be expressed there."""
    result = Edit(line, column, end_line, end_column, content)
    if ctx.unit.kind == "notebook":
        from gradlint.analyzer.notebooks import to_cell_edit

        return to_cell_edit(ctx.unit, result)
    return result


def replace_node(ctx: ModuleContext, node: cst.CSTNode, content: str) -> Edit | None:
    span = ctx.position(node)
    return edit(
        ctx, span.start.line, span.start.column + 1, span.end.line, span.end.column + 1, content
    )
