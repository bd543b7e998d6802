"""The ``gradlint`` command.

``gradlint [OPTIONS] [PATH]...`` lints; ``gradlint rule CODE``, ``gradlint rules`` and
``gradlint confirm SCRIPT`` are subcommands. A click group whose default command is ``check``
gives both shapes without making users type ``gradlint check``.

Exit codes: 0 no findings, 1 findings, 2 usage error, missing path or internal error.
"""

from __future__ import annotations

import os
import sys

import click

from gradlint import __version__
from gradlint.runtime_check.options import ConfirmOptions, check_lint_flags, lint_confirm_options

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _split_codes(values: tuple[str, ...]) -> list[str] | None:
    if not values:
        return None
    codes = [c.strip().upper() for v in values for c in v.split(",") if c.strip()]
    return codes


class DefaultGroup(click.Group):
    """Routes ``gradlint ARGS`` to ``check`` unless ARGS starts with a subcommand name."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args or args[0] not in self.commands) and args[:1] not in (
            ["--help"],
            ["-h"],
            ["--version"],
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        """A bug in gradlint is one line and exit 2, never a traceback in a user's hook."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("gradlint: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("GRADLINT_DEBUG"):
                raise
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            click.echo(
                f"gradlint: error: internal error: {detail} (set GRADLINT_DEBUG=1 for a traceback)",
                err=True,
            )
            sys.exit(EXIT_ERROR)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] [PATH]... | COMMAND [ARGS]...")


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="gradlint")
def main() -> None:
    """Find TensorFlow training code whose weights silently never update.

    Run `gradlint [OPTIONS] [PATH]...` to lint (see `gradlint check --help`),
    `gradlint rules` to list the rules and `gradlint rule CODE` for one rule's docs.
    """


def _format_choices() -> list[str]:
    from gradlint.output import FORMATS

    return list(FORMATS)


@main.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only report these codes or prefixes (comma-separated, repeatable).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Do not report these codes or prefixes (comma-separated, repeatable).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_format_choices()),
    default=None,
    help="Report format (default: text).",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option("--show-source", is_flag=True, help="Text format: show the source line and a caret.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary line.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Read settings from this pyproject.toml or setup.cfg.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERNS",
    help="Replace the default exclude patterns (comma-separated, repeatable).",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    metavar="PATTERNS",
    help="Add exclude patterns (comma-separated, repeatable).",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--diff", is_flag=True, help="Print safe fixes as a unified diff; write nothing.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: number of CPUs).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write .gradlint_cache/.")
@click.option(
    "--confirm",
    is_flag=True,
    help="After linting, run the runtime confirmer on every flagged runnable script.",
)
@lint_confirm_options
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str | None,
    output_file: str | None,
    show_source: bool,
    exit_zero: bool,
    quiet: bool,
    config_file: str | None,
    isolated: bool,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    fix: bool,
    diff: bool,
    jobs: int | None,
    no_cache: bool,
    confirm: bool,
    confirm_flags: dict,
) -> None:
    """Lint PATHs (default: the current folder) for frozen-weights bugs."""
    from gradlint.config import ConfigError, load_settings
    from gradlint.discovery import MissingPathError
    from gradlint.rules import is_known_prefix

    try:
        settings = load_settings(config_file=config_file, isolated=isolated)
    except ConfigError as exc:
        _fail(str(exc))
    problem = check_lint_flags(confirm_flags, confirm)
    if problem:
        _fail(problem)
    cli_select = _split_codes(select)
    cli_ignore = _split_codes(ignore)
    for code in (cli_select or []) + (cli_ignore or []):
        if not is_known_prefix(code):
            _fail(f"unknown rule code or prefix '{code}' (see 'gradlint rules')")
    if cli_select is not None:
        settings.select = cli_select
    if cli_ignore is not None:
        settings.ignore = settings.ignore + cli_ignore
    if exclude:
        settings.exclude = [p.strip() for v in exclude for p in v.split(",") if p.strip()]
    if extend_exclude:
        settings.extend_exclude += [
            p.strip() for v in extend_exclude for p in v.split(",") if p.strip()
        ]
    if jobs is not None:
        settings.jobs = jobs
    if no_cache:
        settings.use_cache = False
    if fix and diff:
        _fail("--fix and --diff cannot be combined: --diff previews what --fix writes")

    from gradlint import api

    try:
        result = api.lint_paths(paths or (".",), settings)
    except MissingPathError as exc:
        _fail(f"{exc}: no such file or directory")

    fixed = None
    if fix or diff:
        from gradlint.fixing import apply_fixes

        outcome = apply_fixes(result.findings, write=fix)
        for error in outcome.errors:
            click.echo(f"gradlint: warning: {error}", err=True)
        if fix and not quiet:
            for changed in outcome.files:
                codes = ", ".join(sorted(set(changed.codes)))
                click.echo(
                    f"gradlint: fixed {len(changed.codes)} in {changed.path} ({codes})", err=True
                )
        if diff:
            click.echo(outcome.diff, nl=False)
            sys.exit(EXIT_FINDINGS if outcome.diff else EXIT_CLEAN)
        fixed = outcome.fixed
        result = api.lint_paths(paths or (".",), settings)

    from gradlint.output import Report

    report = Report(
        findings=result.findings,
        files_checked=result.files_checked,
        quiet=quiet,
        show_source=show_source,
        fixed=fixed,
    )
    _emit(report, output_format, output_file)

    exit_code = EXIT_FINDINGS if result.findings else EXIT_CLEAN
    if confirm and result.findings:
        from gradlint.runtime_check.cli import confirm_findings

        to_stderr = (output_format or "text") != "text" and not output_file
        options = (settings.confirm or ConfirmOptions()).updated(**confirm_flags)
        exit_code = max(exit_code, confirm_findings(result.findings, options, to_stderr=to_stderr))
    sys.exit(EXIT_CLEAN if exit_zero else exit_code)


def _emit(report, output_format: str | None, output_file: str | None) -> None:
    """Print or write the report. On GitHub Actions, plain text also gets annotations."""
    import os

    from gradlint.output import get_renderer

    text = get_renderer(output_format or "text")(report)
    # A plain `gradlint .` step on GitHub Actions also annotates the pull request; the
    # annotations go to stdout (the runner reads them there) even when the report is a file.
    annotations = ""
    if output_format is None and os.environ.get("GITHUB_ACTIONS") == "true":
        annotations = get_renderer("github")(report)
    if output_file:
        from gradlint.atomic import write_text_atomic

        try:
            write_text_atomic(output_file, text)
        except OSError as exc:
            _fail(f"{output_file}: cannot write report: {exc.strerror or exc}")
        click.echo(annotations, nl=False)
    else:
        click.echo(text + annotations, nl=False)


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print the documentation of rule CODE (e.g. GL001)."""
    from gradlint.rules import RULE_MODULES, get_rule

    code = code.strip().upper()
    if code not in RULE_MODULES:
        _fail(f"unknown rule '{code}' (see 'gradlint rules')")
    click.echo(get_rule(code).render_docs(), nl=False)


@main.command("rules")
def rules_command() -> None:
    """List every rule with its code, name and whether it can be fixed."""
    from gradlint.rules import all_rules

    for rule in all_rules():
        fix = " (fixable)" if rule.fixable else ""
        click.echo(f"{rule.code}  {rule.name:<28} {rule.summary}{fix}")


@main.command("server")
def server_command() -> None:
    """Run the language server over stdio, for editors (needs the 'lsp' extra)."""
    try:
        from gradlint.server.protocol import build_server
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in ("pygls", "lsprotocol"):
            raise
        _fail(f"the language server needs {exc.name}: pip install 'tf-gradlint[lsp]'")
    build_server().start_io()


def _register_optional_commands() -> None:
    """Subcommands whose modules are optional at import time (kept off the lint hot path)."""
    try:
        from gradlint.runtime_check.cli import confirm_command
    except ImportError:
        return
    main.add_command(confirm_command, "confirm")


def _fail(message: str) -> None:
    click.echo(f"gradlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


_register_optional_commands()
