"""``path:line:col: CODE message`` lines, sorted, then a one-line summary (like ruff).

With ``--show-source`` each finding is followed by a code frame as ruff draws it: the flagged
lines (every line of a multi-line call) with two lines of context, line numbers in a gutter,
and ``^^^`` under the flagged code, so a terminal user needs no editor to see it. Colour
(``--color``) only adds ANSI codes around the same text.
"""

from __future__ import annotations

from gradlint.analyzer.findings import Finding
from gradlint.fastpath import all_clear_line
from gradlint.output import Report

#: Lines shown before and after the flagged ones.
CONTEXT_LINES = 2
BOLD, RED, BLUE, CYAN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[34m", "\x1b[36m", "\x1b[0m"


def _paint(text: str, *styles: str, color: bool) -> str:
    return "".join(styles) + text + RESET if color and text else text


def render(report: Report) -> str:
    lines: list[str] = []
    source = None
    if report.show_source:
        from gradlint.output.positions import SourceLines

        source = SourceLines(report.root)
    for finding in report.findings:
        lines.append(finding_line(finding, color=report.color, mark_fix=report.show_fixes))
        if source is not None:
            lines.extend(code_frame(finding, source, color=report.color))
    if not report.quiet:
        if report.show_fixes and report.applied:
            lines.extend(_applied_fixes(report))
        lines.append(summary_line(report))
        fixable = sum(1 for f in report.findings if _fixable(f))
        if report.show_fixes and fixable:
            lines.append(f"[*] {fixable} fixable with `gradlint --fix`.")
    return "\n".join(lines) + ("\n" if lines else "")


def _fixable(finding: Finding) -> bool:
    return finding.fix is not None and bool(finding.fix.edits)


def finding_line(finding: Finding, *, color: bool = False, mark_fix: bool = False) -> str:
    location = finding.location()
    path, _, position = location.partition(":")
    marker = "[*] " if mark_fix and _fixable(finding) else ""
    return (
        f"{_paint(path, BOLD, color=color)}{_paint(':', CYAN, color=color)}{position}: "
        f"{_paint(finding.code, BOLD, RED, color=color)} {marker}{finding.message}"
    )


def code_frame(finding: Finding, source, *, color: bool = False) -> list[str]:
    """The flagged lines with context, a line-number gutter and carets (ruff's code frame).

    Nothing when the file can no longer be read. Tabs before a caret range are kept in the
    caret line so the carets line up in any terminal.
    """
    first, last = finding.line, max(finding.end_line, finding.line)
    flagged = {n: source.line(finding, n) for n in range(first, last + 1)}
    if flagged[first] is None:
        return []
    before = [n for n in range(first - CONTEXT_LINES, first) if n >= 1]
    after = list(range(last + 1, last + 1 + CONTEXT_LINES))
    numbered = [(n, source.line(finding, n)) for n in before]
    numbered += list(flagged.items())
    numbered += [(n, source.line(finding, n)) for n in after]
    numbered = [(n, text) for n, text in numbered if text is not None]
    width = len(str(max(n for n, _ in numbered)))
    gutter = _paint(" " * width + " |", BLUE, BOLD, color=color)
    out = [gutter]
    for number, text in numbered:
        out.append(
            _paint(f"{number:>{width}} |", BLUE, BOLD, color=color) + (f" {text}" if text else "")
        )
        if first <= number <= last:
            carets = _carets(finding, number, text, first, last)
            if carets is not None:
                pad, count = carets
                label = f" {finding.code}" if number == last else ""
                out.append(f"{gutter} {pad}" + _paint("^" * count + label, RED, BOLD, color=color))
    out.append(gutter)
    return out


def _carets(
    finding: Finding, number: int, text: str, first: int, last: int
) -> tuple[str, int] | None:
    """``(padding, caret count)`` under line ``number`` of a finding spanning first..last."""
    # The first line from the finding's column; the others from their first character.
    start = max(finding.column, 1) if number == first else len(text) - len(text.lstrip()) + 1
    if number == last and finding.end_line >= finding.line:
        end = finding.end_column if number == finding.end_line else len(text) + 1
    else:
        end = len(text.rstrip()) + 1
    end = min(end, len(text) + 1)
    if number != first and end <= start:
        return None  # a closing line with nothing flagged on it (e.g. only whitespace)
    count = max(end - start, 1)
    pad = "".join(ch if ch == "\t" else " " for ch in text[: start - 1])
    return pad, count


def _applied_fixes(report: Report) -> list[str]:
    from gradlint.rules import RULE_MODULES, get_rule

    total = sum(len(f.codes) for f in report.applied or [])
    lines = [f"Fixed {total} problem{'s' if total != 1 else ''}:"]
    for changed in report.applied or []:
        lines.append(f"- {changed.path}:")
        for code in sorted(set(changed.codes)):
            name = get_rule(code).name if code in RULE_MODULES else code
            lines.append(f"    {changed.codes.count(code)} × {code} ({name})")
    return lines


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
