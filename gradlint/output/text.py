"""``path:line:col: CODE message`` lines, sorted, then a one-line summary (like ruff).

With ``--show-source`` each finding is followed by its source line and a caret range under
the flagged expression, as flake8 and ruff do, so a terminal user needs no editor to see it.
"""

from __future__ import annotations

from gradlint.analyzer.findings import Finding
from gradlint.fastpath import all_clear_line
from gradlint.output import Report, printable


def render(report: Report) -> str:
    lines: list[str] = []
    source = None
    if report.show_source:
        from gradlint.output.positions import SourceLines

        source = SourceLines(report.root)
    for finding in report.findings:
        lines.append(printable(f"{finding.location()}: {finding.code} {finding.message}"))
        if source is not None:
            lines.extend(map(printable, source_excerpt(finding, source.line(finding))))
    if not report.quiet:
        lines.append(summary_line(report))
    return "\n".join(lines) + ("\n" if lines else "")


def source_excerpt(finding: Finding, text: str | None) -> list[str]:
    """The line and a ``^^^`` range; a multi-line finding is underlined to its first line's end.

    Tabs before the range are kept in the caret line so the carets line up in any terminal.
    """
    if text is None:
        return []
    start = max(finding.column, 1)
    if finding.end_line == finding.line:
        end = max(finding.end_column, start + 1)
    else:
        end = max(len(text) + 1, start + 1)
    end = min(end, max(len(text) + 1, start + 1))
    pad = "".join(ch if ch == "\t" else " " for ch in text[: start - 1])
    return [text, pad + "^" * (end - start)]


def summary_line(report: Report) -> str:
    n = len(report.findings)
    checked = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''} checked"
    fixed = ""
    if report.fixed:
        fixed = f"Fixed {report.fixed} problem{'s' if report.fixed != 1 else ''}. "
    if n == 0:
        return f"{fixed}{all_clear_line(report.files_checked)}"
    files = len({f.path for f in report.findings})
    return (
        f"{fixed}Found {n} problem{'s' if n != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''} ({checked})."
    )
