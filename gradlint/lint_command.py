"""What ``gradlint [OPTIONS] [PATH]...`` does once click has parsed it.

Settings (file, then flags), then the findings, then whichever outcome was asked for: the
report (or ``--statistics``), ``--fix``/``--diff``, ``--add-noqa``, ``--write-baseline``.
Kept out of :mod:`gradlint.cli` so the command line's shape stays a list of options and the
steps here read top to bottom.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from gradlint.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, fail
from gradlint.settings import Settings


def run_check(paths: tuple[str, ...], options: dict[str, Any]) -> int:
    _check_combinations(paths, options)
    settings = build_settings(options)
    stdin_name = options["stdin_filename"]
    if paths == ("-",) or (stdin_name and not paths):
        return _run_on_stdin(stdin_name or "-", settings, options)

    from gradlint import api

    result = api.lint_paths(paths or (".",), settings)
    if options["write_baseline"]:
        return _write_baseline(options["write_baseline"], result.findings)
    if options["add_noqa"]:
        return _add_noqa(result.findings)
    findings = result.findings
    baseline = _load_baseline(options["baseline"])
    if baseline is not None:
        findings = _apply_baseline(baseline, findings, result.checked, options["quiet"])

    applied = None
    if options["fix"] or options["diff"]:
        from gradlint.fixing import apply_fixes
        from gradlint.output import printable

        outcome = apply_fixes(
            findings, write=options["fix"], codes=api.enabled_codes(settings), settings=settings
        )
        for error in outcome.errors:
            click.echo(f"gradlint: warning: {printable(error)}", err=True)
        if options["diff"]:
            return _print_diff(outcome, findings, options["output_file"])
        if not options["quiet"] and not options["show_fixes"]:
            for changed in outcome.files:
                codes = ", ".join(sorted(set(changed.codes)))
                where = printable(changed.path)
                click.echo(f"gradlint: fixed {len(changed.codes)} in {where} ({codes})", err=True)
        applied = outcome
        result = api.lint_paths(paths or (".",), settings)
        findings = result.findings
        if baseline is not None:
            findings = _apply_baseline(baseline, findings, result.checked, quiet=True)

    if options["statistics"]:
        from gradlint.output.statistics import render

        write_output(render(findings, options["output_format"]), options["output_file"])
    else:
        _emit_report(findings, result.files_checked, applied, options)

    exit_code = EXIT_FINDINGS if findings else EXIT_CLEAN
    if options["confirm"] and findings:
        from gradlint.runtime_check.cli import confirm_findings
        from gradlint.runtime_check.options import ConfirmOptions

        fmt = options["output_format"] or "text"
        to_stderr = fmt != "text" and not options["output_file"]
        confirm_options = (settings.confirm or ConfirmOptions()).updated(**options["confirm_flags"])
        exit_code = max(exit_code, confirm_findings(findings, confirm_options, to_stderr=to_stderr))
    return EXIT_CLEAN if options["exit_zero"] else exit_code


# --------------------------------------------------------------------------------------------
# Settings


def _check_combinations(paths: tuple[str, ...], options: dict[str, Any]) -> None:
    from gradlint.runtime_check.options import check_lint_flags

    problem = check_lint_flags(options["confirm_flags"], options["confirm"])
    if problem:
        fail(problem)
    if options["fix"] and options["diff"]:
        fail("--fix and --diff cannot be combined: --diff previews what --fix writes")
    if options["diff"] and options["output_format"] not in (None, "text"):
        fail(
            "--diff prints a unified diff and takes no --format "
            "(the JSON report carries each finding's fix without --diff)"
        )
    if options["diff"] and options["statistics"]:
        fail("--diff and --statistics cannot be combined")
    if options["statistics"] and options["output_format"] not in (None, "text", "json"):
        fail("--statistics prints text or JSON (--format text or --format json)")
    writers = [name for name in ("fix", "diff", "add_noqa", "write_baseline") if options[name]]
    if len(writers) > 1:
        shown = " and ".join("--" + name.replace("_", "-") for name in writers)
        fail(f"{shown} cannot be combined")
    if options["baseline"] and options["write_baseline"]:
        fail("--baseline and --write-baseline cannot be combined (--write-baseline rewrites it)")
    if "-" in paths and len(paths) > 1:
        fail("'-' (read stdin) cannot be combined with other paths")
    if options["stdin_filename"] and paths and paths != ("-",):
        fail("--stdin-filename names the source read from stdin: give no PATH, or '-'")
    reading_stdin = paths == ("-",) or (options["stdin_filename"] and not paths)
    if reading_stdin and (options["add_noqa"] or options["write_baseline"] or options["confirm"]):
        fail("--add-noqa, --write-baseline and --confirm need files, not stdin")


def build_settings(options: dict[str, Any]) -> Settings:
    """The configuration file's settings, updated by the command line's options."""
    from gradlint.config import ConfigError, load_settings
    from gradlint.rules import is_known_prefix

    try:
        settings = load_settings(config_file=options["config_file"], isolated=options["isolated"])
    except ConfigError as exc:
        fail(str(exc))

    def codes(name: str) -> list[str] | None:
        found = _split_codes(options[name])
        for code in found or []:
            if not is_known_prefix(code):
                fail(f"unknown rule code or prefix '{code}' (see 'gradlint rules')")
        return found

    select, ignore = codes("select"), codes("ignore")
    if select is not None:
        settings.select = select
    if ignore is not None:
        settings.ignore = settings.ignore + ignore
    settings.extend_select += codes("extend_select") or []
    settings.extend_ignore += codes("extend_ignore") or []
    for entry in options["per_file_ignores"]:
        pattern, _, listed = entry.rpartition(":")
        entry_codes = _split_codes((listed,)) or []
        if not pattern.strip() or not entry_codes:
            fail(f"--per-file-ignores expects GLOB:CODES, got '{entry}'")
        for code in entry_codes:
            if not is_known_prefix(code):
                fail(f"unknown rule code or prefix '{code}' in --per-file-ignores")
        merged = settings.per_file_ignores.get(pattern.strip(), []) + entry_codes
        settings.per_file_ignores[pattern.strip()] = merged
    if options["exclude"]:
        settings.exclude = _split(options["exclude"])
    if options["extend_exclude"]:
        settings.extend_exclude += _split(options["extend_exclude"])
    for flag in ("force_exclude", "respect_gitignore", "check_syntax"):
        if options[flag] is not None:
            setattr(settings, flag, options[flag])
    if options["jobs"] is not None:
        settings.jobs = options["jobs"]
    if options["no_cache"]:
        settings.use_cache = False
    if options.get("no_project"):
        settings.project = False
    return settings


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _split_codes(values: tuple[str, ...]) -> list[str] | None:
    return [code.upper() for code in _split(values)] if values else None


# --------------------------------------------------------------------------------------------
# Outcomes


def _emit_report(findings, files_checked: int, applied, options: dict[str, Any]) -> None:
    """Print or write the report. On GitHub Actions, plain text also gets annotations."""
    import os

    from gradlint.output import Report, get_renderer

    report = Report(
        findings=findings,
        files_checked=files_checked,
        quiet=options["quiet"],
        show_source=options["show_source"],
        fixed=applied.fixed if applied is not None else None,
        show_fixes=options["show_fixes"],
        applied=applied.files if applied is not None else None,
        color=use_color(options["color"], options["output_file"]),
    )
    output_format = options["output_format"]
    text = get_renderer(output_format or "text")(report)
    # A plain `gradlint .` step on GitHub Actions also annotates the pull request; the
    # annotations go to stdout (the runner reads them there) even when the report is a file.
    annotations = ""
    if output_format is None and os.environ.get("GITHUB_ACTIONS") == "true":
        annotations = get_renderer("github")(report)
    if options["output_file"]:
        write_output(text, options["output_file"])
        click.echo(annotations, nl=False)
    else:
        # click drops ANSI codes when stdout is not a terminal unless told otherwise.
        click.echo(text + annotations, nl=False, color=report.color or None)


def write_output(text: str, output_file: str | None) -> None:
    """``text`` to stdout, or atomically to ``output_file`` (its folders created)."""
    if not output_file:
        click.echo(text, nl=False)
        return
    from gradlint.atomic import write_report

    try:
        Path(output_file).parent.mkdir(parents=True, exist_ok=True)
        write_report(output_file, text.encode("utf-8"))
    except OSError as exc:
        fail(f"{output_file}: cannot write report: {exc.strerror or exc}")


def use_color(choice: str, output_file: str | None) -> bool:
    """``--color``, then NO_COLOR / FORCE_COLOR (https://no-color.org), then: a terminal?"""
    import os

    if choice != "auto":
        return choice == "always"
    if output_file:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


@dataclass
class _Preview:
    """What ``_print_diff`` reads of a fix outcome (stdin has no files to fix)."""

    diff: str
    fixed: int


def _print_diff(outcome, findings, output_file: str | None) -> int:
    if not outcome.diff:
        unfixed = len(findings) - outcome.fixed
        if findings:
            have = "has" if unfixed == 1 else "have"
            detail = f"{unfixed} finding{'' if unfixed == 1 else 's'} {have} no fix"
        else:
            detail = "no findings"
        click.echo(f"No fixes available ({detail})", err=True)
        if output_file:
            write_output("", output_file)
        return EXIT_CLEAN
    write_output(outcome.diff, output_file)
    return EXIT_FINDINGS


def _write_baseline(path: str, findings) -> int:
    from gradlint.baseline import BaselineError, write_baseline

    try:
        count = write_baseline(Path(path), findings)
    except BaselineError as exc:
        fail(str(exc))
    click.echo(f"gradlint: wrote {count} finding{'' if count == 1 else 's'} to {path}", err=True)
    return EXIT_CLEAN


def _load_baseline(path: str | None):
    if path is None:
        return None
    from gradlint.baseline import BaselineError, load_baseline

    try:
        return load_baseline(Path(path))
    except BaselineError as exc:
        fail(str(exc))


def _apply_baseline(baseline, findings, checked: list[str], quiet: bool):
    new, known, stale = baseline.split(findings, checked)
    if quiet:
        return new
    if known:
        click.echo(
            f"gradlint: {known} finding{'' if known == 1 else 's'} in the baseline "
            f"{baseline.path} not shown",
            err=True,
        )
    if stale:
        click.echo(
            f"gradlint: {len(stale)} baseline entr{'y' if len(stale) == 1 else 'ies'} in "
            f"{baseline.path} match no finding any more (fixed? rewrite the file with "
            "--write-baseline):",
            err=True,
        )
        for entry in stale:
            click.echo(f"  {entry.describe()}", err=True)
    return new


def _add_noqa(findings) -> int:
    from gradlint.noqa_writer import add_noqa

    outcome = add_noqa(findings)
    for error in outcome.errors:
        click.echo(f"gradlint: warning: {error}", err=True)
    added, files = outcome.added, outcome.files
    click.echo(
        f"Added {added} noqa directive{'' if added == 1 else 's'} "
        f"to {files} file{'' if files == 1 else 's'}.",
        err=True,
    )
    return EXIT_ERROR if outcome.errors else EXIT_CLEAN


def _run_on_stdin(name: str, settings: Settings, options: dict[str, Any]) -> int:
    from gradlint.stdin import fix_source, lint_source_bytes

    raw = sys.stdin.buffer.read()
    findings, unit = lint_source_bytes(raw, name, settings)
    if options["fix"] or options["diff"]:
        new_raw, diff = fix_source(raw, unit, findings, name)
        if options["diff"]:
            fixed = len(findings) if diff else 0
            return _print_diff(_Preview(diff, fixed), findings, options["output_file"])
        sys.stdout.buffer.write(new_raw)
        sys.stdout.flush()
        if new_raw != raw:
            findings, _ = lint_source_bytes(new_raw, name, settings)
        if findings and not options["quiet"]:
            from gradlint.output.text import finding_line

            for finding in findings:
                click.echo(finding_line(finding, color=False), err=True)
        exit_code = EXIT_FINDINGS if findings else EXIT_CLEAN
    else:
        if options["statistics"]:
            from gradlint.output.statistics import render

            write_output(render(findings, options["output_format"]), options["output_file"])
        else:
            _emit_report(findings, 1, None, options)
        exit_code = EXIT_FINDINGS if findings else EXIT_CLEAN
    return EXIT_CLEAN if options["exit_zero"] else exit_code
