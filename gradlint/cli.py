"""The ``gradlint`` command.

``gradlint [OPTIONS] [PATH]...`` lints; ``rule``, ``rules``, ``confirm``, ``clean`` and
``version`` are subcommands. A click group whose default command is ``check`` gives both shapes
without making users type ``gradlint check``, and its ``--help`` lists the lint options too
(grouped, on one screen), since that is what most users came for.

Exit codes: 0 no findings, 1 findings, 2 usage error, bad configuration or internal error.
"""

from __future__ import annotations

import inspect
import os
import sys
import textwrap

import click

from gradlint import __version__
from gradlint.runtime_check.options import lint_confirm_options

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: How ``gradlint --help`` groups the lint options (by parameter name). An option not listed
#: here (a later addition) is shown under "Other", so it is never missing from the help.
HELP_SECTIONS: dict[str, tuple[str, ...]] = {
    "Rules": ("select", "ignore", "extend_select", "extend_ignore", "per_file_ignores"),
    "Files": (
        "exclude",
        "extend_exclude",
        "force_exclude",
        "respect_gitignore",
        "stdin_filename",
        "check_syntax",
    ),
    "Output": (
        "output_format",
        "output_file",
        "show_source",
        "show_fixes",
        "statistics",
        "quiet",
        "color",
        "exit_zero",
    ),
    "Fixes": ("fix", "diff", "add_noqa"),
    "Adopting": ("baseline", "write_baseline"),
    "Run": ("config_file", "isolated", "jobs", "no_cache", "no_project"),
    "Confirm": (
        "confirm",
        "confirm_steps",
        "confirm_devices",
        "confirm_timeout",
        "confirm_eager",
        "confirm_no_seed",
        "confirm_show_output",
    ),
}


class DefaultGroup(click.Group):
    """Routes ``gradlint ARGS`` to ``check`` unless ARGS starts with a subcommand name."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing and not args:
            return super().parse_args(ctx, args)  # shell completion: offer the subcommands
        if (not args or args[0] not in self.commands) and args[:1] not in (
            ["--help"],
            ["-h"],
            ["--version"],
            ["-V"],
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

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """One screen: usage, what it does, the commands, every lint option by name."""
        self.format_usage(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text(inspect.cleandoc(self.help or ""))
        rows = [
            (name, command.get_short_help_str(limit=200))
            for name, command in self.commands.items()
            if not command.hidden
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
        check_command = self.commands[self.default_command]
        _format_option_index(ctx, check_command, formatter)
        formatter.write_paragraph()
        formatter.write_text(
            "`gradlint check --help` explains each lint option; `gradlint rule CODE` a rule. "
            "Exit status: 0 clean, 1 findings, 2 error. -V, --version; -h, --help."
        )


def _format_option_index(
    ctx: click.Context, command: click.Command, formatter: click.HelpFormatter
) -> None:
    """The lint options, grouped, names only (their help is one `check --help` away)."""
    params = {p.name: p for p in command.params if isinstance(p, click.Option)}
    params.pop("help", None)
    sections = {
        title: [params.pop(n) for n in names if n in params]
        for title, names in HELP_SECTIONS.items()
    }
    sections["Other"] = list(params.values())
    indent = max(len(title) for title in sections) + 4
    width = max((formatter.width or 80) - formatter.current_indent, 40)
    with formatter.section("Lint options"):
        for title, options in sections.items():
            if not options:
                continue
            body = "  ".join(_option_label(option) for option in options)
            # Options are never broken at their hyphens: each stays whole on one line.
            wrapped = textwrap.wrap(
                body,
                width=width,
                initial_indent=f"{title:<{indent - 2}}  ",
                subsequent_indent=" " * indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
            for line in wrapped:
                formatter.write(" " * formatter.current_indent + line + "\n")


def _option_label(option: click.Option) -> str:
    """``--name METAVAR``, or ``--[no-]name`` for an on/off pair."""
    label = max(option.opts, key=len)
    if option.secondary_opts:
        label = label.replace("--", "--[no-]", 1)
    if not option.is_flag and not option.count and option.metavar:
        label += f" {option.metavar}"
    return label


@click.group(cls=DefaultGroup, context_settings=CONTEXT)
@click.version_option(
    __version__, "-V", "--version", prog_name="gradlint", message="%(prog)s %(version)s"
)
def main() -> None:
    """Find TensorFlow training code whose weights silently never update.

    Lints files and folders (default: .). Files that never mention a GradientTape
    are not parsed, nor syntax-checked unless --check-syntax.
    """


def _format_choices() -> list[str]:
    from gradlint.output import FORMATS

    return list(FORMATS)


@main.command("check", context_settings=CONTEXT, short_help="Lint PATHs (the default command).")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--select", multiple=True, metavar="CODES", help="Only report these codes or prefixes."
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these codes.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add codes to the selection.")
@click.option(
    "--extend-ignore", multiple=True, metavar="CODES", help="Add codes to the ignored ones."
)
@click.option(
    "--per-file-ignores",
    multiple=True,
    metavar="GLOB:CODES",
    help="Ignore CODES in files matching GLOB (repeatable; added to the configuration's).",
)
@click.option(
    "--exclude", multiple=True, metavar="PATTERNS", help="Replace the default exclude patterns."
)
@click.option("--extend-exclude", multiple=True, metavar="PATTERNS", help="Add exclude patterns.")
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply the excludes to files named on the command line too (for pre-commit).",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip files git ignores when walking folders (default: on).",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    default=None,
    help="Read the source from stdin (PATH `-`) and report it under this name.",
)
@click.option(
    "--check-syntax/--no-check-syntax",
    default=None,
    help="Also report GL000 for syntax errors in files that never mention a GradientTape "
    "(by default those are not parsed at all, for speed).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_format_choices()),
    default=None,
    metavar="FORMAT",
    help="Report format: " + ", ".join(_format_choices()) + " (default: text).",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the report (or --diff, --statistics) to this file; folders are created.",
)
@click.option(
    "--show-source", is_flag=True, help="Text format: show each finding's code with line numbers."
)
@click.option(
    "--show-fixes",
    is_flag=True,
    help="Mark fixable findings [*]; with --fix, list the fixes applied.",
)
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary line.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    metavar="WHEN",
    help="Colour: auto (default: on a terminal, unless NO_COLOR is set; FORCE_COLOR "
    "forces it), always or never.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--diff", is_flag=True, help="Print safe fixes as a unified diff; write nothing.")
@click.option(
    "--add-noqa", is_flag=True, help="Add `# noqa: CODE` to every flagged line (atomically)."
)
@click.option(
    "--baseline",
    metavar="FILE",
    default=None,
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    metavar="FILE",
    default=None,
    help="Record the current findings in this baseline file, then exit 0.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Read settings from this pyproject.toml, setup.cfg or .toml file.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes (default: number of CPUs).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write .gradlint_cache/.")
@click.option(
    "--no-project",
    is_flag=True,
    help="Analyze each file in isolation: do not read the project's other modules.",
)
@click.option(
    "--confirm",
    is_flag=True,
    help="After linting, run the runtime confirmer on every flagged runnable script.",
)
@lint_confirm_options
def check(paths: tuple[str, ...], **options) -> None:
    """Lint PATHs (default: the current folder) for frozen-weights bugs.

    Codes and patterns are comma-separated and the options repeatable. PATH `-` reads
    stdin (name it with --stdin-filename).
    """
    from gradlint.lint_command import run_check

    sys.exit(run_check(paths, options))


@main.command("rule", context_settings=CONTEXT)
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule's documentation.")
def rule_command(code: str | None, show_all: bool) -> None:
    """Print a rule's documentation (GL001 or unapplied-gradients; --all)."""
    from gradlint.rules import all_rules, find_rule

    if show_all:
        click.echo("\n".join(rule.render_docs() for rule in all_rules()), nl=False)
        return
    if not code:
        fail("give a rule code or name, or --all (see 'gradlint rules')")
    rule = find_rule(code)
    if rule is None:
        fail(f"unknown rule '{code}' (see 'gradlint rules')")
    click.echo(rule.render_docs(), nl=False)


@main.command("rules", context_settings=CONTEXT)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def rules_command(output_format: str) -> None:
    """List the rules (--format json for scripts)."""
    from gradlint.rules import all_rules

    if output_format == "json":
        import json

        from gradlint.rule_docs import rule_record

        click.echo(json.dumps([rule_record(rule) for rule in all_rules()], indent=2))
        return
    for rule in all_rules():
        fix = " (fixable)" if rule.fixable else ""
        click.echo(f"{rule.code}  {rule.name:<28} {rule.summary}{fix}")


@main.command("clean", context_settings=CONTEXT)
def clean_command() -> None:
    """Remove this project's cache (.gradlint_cache/)."""
    from gradlint.clean import clean_caches

    for line in clean_caches():
        click.echo(line)


@main.command("version", context_settings=CONTEXT)
def version_command() -> None:
    """Print gradlint's version."""
    click.echo(f"gradlint {__version__}")


@main.command("server", context_settings=CONTEXT)
def server_command() -> None:
    """Run the language server for editors (LSP over stdio)."""
    try:
        from gradlint.server.protocol import build_server
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in ("pygls", "lsprotocol"):
            raise
        fail(
            f"the language server needs {exc.name}: install the 'lsp' extra"
            " (pip install '.[lsp]' in a checkout)"
        )
    build_server().start_io()


def _register_optional_commands() -> None:
    """Subcommands whose modules are optional at import time (kept off the lint hot path)."""
    try:
        from gradlint.runtime_check.cli import confirm_command
    except ImportError:
        return
    main.add_command(confirm_command, "confirm")


def fail(message: str) -> None:
    from gradlint.output import printable  # a path in the message may hold anything

    click.echo(f"gradlint: error: {printable(message)}", err=True)
    sys.exit(EXIT_ERROR)


_register_optional_commands()
