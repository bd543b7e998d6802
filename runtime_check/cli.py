"""``gradlint confirm SCRIPT`` and the ``--confirm`` hook of ``gradlint PATH...``.

Imported by ``gradlint/cli.py`` at start-up, so it imports click and nothing heavy: TensorFlow
only ever runs in the probe children, and the analyzer is loaded only to find default sites.
"""

from __future__ import annotations

import sys
import threading

import click

EXIT_USAGE = 2
DEVICES = ("cpu", "gpu")


class _Progress:
    """Live "steps observed out of N" per device on a terminal; silent otherwise."""

    def __init__(self, devices: list[str], steps: int, enabled: bool) -> None:
        self.state = {device: "starting" for device in devices}
        self.steps = steps
        self.enabled = enabled
        self.lock = threading.Lock()
        self.shown = False

    def update(self, device: str, observed: int) -> None:
        with self.lock:
            self.state[device] = f"{observed}/{self.steps} steps"
            self._draw()

    def start(self) -> None:
        with self.lock:
            self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        line = "  ".join(f"{d}: {s}" for d, s in self.state.items())
        sys.stderr.write(f"\r\x1b[2Kgradlint confirm: {line}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            with self.lock:
                sys.stderr.write("\r\x1b[2K")
                sys.stderr.flush()


def _parse_devices(value: str) -> list[str]:
    devices: list[str] = []
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in DEVICES:
            raise click.BadParameter(
                f"unknown device '{name}' (use cpu, gpu or cpu,gpu)", param_hint="--devices"
            )
        if name not in devices:
            devices.append(name)
    if not devices:
        raise click.BadParameter("give at least one device", param_hint="--devices")
    return devices


def _fail(message: str) -> None:
    click.echo(f"gradlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.command("confirm", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("script")
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--steps",
    type=click.IntRange(min=1, max=100_000),
    default=5,
    show_default=True,
    help="Observed training steps per site.",
)
@click.option(
    "--devices",
    default="cpu,gpu",
    show_default=True,
    help="Devices to run on, each in its own process, concurrently.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1.0),
    default=None,
    help="Seconds per device before the script is killed (default: 300).",
)
@click.option(
    "--site",
    "sites",
    multiple=True,
    metavar="LINE",
    help="Observe the tape.gradient call at this line (CELL:LINE in a notebook); "
    "repeatable. Default: the lines flagged by GL001/GL003/GL007.",
)
@click.option("--all-sites", is_flag=True, help="Observe every tape.gradient call in the script.")
@click.option(
    "--eager",
    is_flag=True,
    help="Run tf.functions eagerly (tf.config.run_functions_eagerly(True)).",
)
@click.option(
    "--no-seed",
    is_flag=True,
    help="Do not call tf.keras.utils.set_random_seed(0) before the script.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--show-output", is_flag=True, help="Let the script's stdout and stderr through.")
def confirm_command(
    script: str,
    script_args: tuple[str, ...],
    steps: int,
    devices: str,
    timeout: float | None,
    sites: tuple[str, ...],
    all_sites: bool,
    eager: bool,
    no_seed: bool,
    output_format: str,
    show_output: bool,
) -> None:
    """Run SCRIPT and check whether the weights at its flagged tape.gradient calls change.

    \b
    Arguments after `--` go to the script:
        gradlint confirm train.py -- --epochs 3

    Exit codes: 1 if a site is frozen, partially-frozen or has no gradient on any device;
    0 otherwise; 2 for usage errors.
    """
    from gradlint.runtime_check import runner, targets

    device_list = _parse_devices(devices)
    if sites and all_sites:
        _fail("--site and --all-sites cannot be combined")
    try:
        target = targets.load_target(script)
        flagged = targets.default_sites(target)
        if all_sites:
            requested = None
        elif sites:
            lines = sorted({targets.parse_site(target, value) for value in sites})
            requested = [targets.SiteRequest(line) for line in lines]
        else:
            requested = flagged
    except runner.ConfirmError as exc:
        _fail(str(exc))
    if requested == []:
        from gradlint.runtime_check.report import ConfirmReport, render_json

        click.echo(
            f"gradlint confirm: {script} has no frozen-weights finding "
            f"({'/'.join(targets.FROZEN_CODES)}) to confirm; use --all-sites to watch "
            "every tape.gradient call, or --site LINE",
            err=True,
        )
        if output_format == "json":
            click.echo(render_json(ConfirmReport(script, steps, "", [], {})), nl=False)
        sys.exit(0)
    request = runner.RunRequest(
        script=target.path,
        notebook=target.notebook,
        steps=steps,
        lines=None if requested is None else [s.line for s in requested],
        eager=eager,
        seed=not no_seed,
        timeout=timeout or runner.DEFAULT_TIMEOUT,
        show_output=show_output,
        script_args=list(script_args),
    )
    try:
        report = run_and_report(target, requested, request, device_list, flagged)
    except runner.ConfirmError as exc:
        _fail(str(exc))
    from gradlint.runtime_check.report import render_json, render_text

    click.echo((render_json if output_format == "json" else render_text)(report), nl=False)
    sys.exit(report.exit_code)


def run_and_report(target, requested, request, devices: list[str], flagged=()):
    """Run the children (with live progress on a terminal) and build the report."""
    from gradlint.runtime_check import runner
    from gradlint.runtime_check.report import build_report

    if not runner.tensorflow_available():
        raise runner.ConfirmError(runner.missing_tensorflow_message())
    progress = _Progress(devices, request.steps, enabled=_is_tty(sys.stderr))
    progress.start()
    try:
        runs = runner.run_devices(request, devices, progress.update)
    finally:
        progress.close()
    return build_report(target, requested, runs, request.steps, request.eager, flagged)


def confirm_findings(findings: list, *, to_stderr: bool = False) -> int:
    """For ``gradlint PATH... --confirm``: confirm each runnable file with a frozen-weights
    finding, print its report, and return the confirmer's exit code (the highest of all).

    ``to_stderr`` keeps a machine-readable lint report on stdout (``--format json``) clean.
    """
    from gradlint.runtime_check import runner, targets
    from gradlint.runtime_check.report import render_text

    by_path: dict[str, list] = {}
    for finding in findings:
        if finding.code in targets.FROZEN_CODES:
            by_path.setdefault(finding.path, []).append(finding)
    exit_code = 0
    for path, flagged in sorted(by_path.items()):
        if not targets.is_runnable(path):
            click.echo(f"gradlint confirm: {path}: skipped, not a runnable script", err=True)
            continue
        try:
            target = targets.load_target(path)
            requested = targets.sites_from_findings(target, flagged)
            request = runner.RunRequest(
                script=target.path, notebook=target.notebook, lines=[s.line for s in requested]
            )
            report = run_and_report(target, requested, request, list(DEVICES), requested)
        except runner.ConfirmError as exc:
            click.echo(f"gradlint: error: {exc}", err=True)
            exit_code = max(exit_code, EXIT_USAGE)
            if not runner.tensorflow_available():
                break
            continue
        click.echo(render_text(report), nl=False, err=to_stderr)
        exit_code = max(exit_code, report.exit_code)
    return exit_code


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
