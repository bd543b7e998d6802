"""``path:line:col: CODE message`` lines, sorted, then a one-line summary (like ruff)."""

from __future__ import annotations

from gradlint.output import Report


def render(report: Report) -> str:
    lines = [f"{f.location()}: {f.code} {f.message}" for f in report.findings]
    if not report.quiet:
        lines.append(summary_line(report))
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(report: Report) -> str:
    n = len(report.findings)
    checked = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''} checked"
    fixed = ""
    if report.fixed:
        fixed = f"Fixed {report.fixed} problem{'s' if report.fixed != 1 else ''}. "
    if n == 0:
        return f"{fixed}All checks passed ({checked})."
    files = len({f.path for f in report.findings})
    return (
        f"{fixed}Found {n} problem{'s' if n != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''} ({checked})."
    )
