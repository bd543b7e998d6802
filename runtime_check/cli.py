"""``gradlint confirm SCRIPT`` and the ``--confirm`` hook of ``gradlint PATH...``.

Imported by ``gradlint/cli.py`` at start-up, so it imports click and nothing heavy: TensorFlow
only ever runs in the probe children, and the analyzer is loaded only to find default sites.
"""

from __future__ import annotations

import sys
import threading

import click

EXIT_USAGE = 2


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
    from gradlint.runtime_check.options import OptionError, parse_devices

    try:
        return parse_devices(value)
    except OptionError as exc:
        raise click.BadParameter(str(exc), param_hint="--devices") from None


def _fail(message: str) -> None:
    click.echo(f"gradlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.command("confirm", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("script")
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--steps",
    type=click.IntRange(min=1, max=100_000),
    default=None,
    help="Observed training steps per site (default: 5).",
)
@click.option(
    "--devices",
    default=None,
    help="Devices to run on, each in its own process, concurrently (default: cpu,gpu).",
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
    help="Observe the tape.gradient call (PyTorch: the .backward() call) at this line "
    "(CELL:LINE in a notebook); repeatable. Default: the lines flagged by "
    "GL001/GL003/GL007 (PyTorch: the backward calls of GL101-GL104 findings).",
)
@click.option(
    "--all-sites",
    is_flag=True,
    help="Observe every tape.gradient call (PyTorch: every backward call) in the script.",
)
@click.option(
    "--framework",
    type=click.Choice(["auto", "tensorflow", "torch"]),
    default="auto",
    show_default=True,
    help="The script's framework; auto: torch when it imports torch and not tensorflow.",
)
@click.option(
    "--eager",
    is_flag=True,
    help="Run tf.functions eagerly (tf.config.run_functions_eagerly(True)); "
    "PyTorch: make torch.compile a no-op.",
)
@click.option(
    "--no-seed",
    is_flag=True,
    help="Do not seed the random generators (tf.keras.utils.set_random_seed(0); "
    "PyTorch: random, NumPy and torch.manual_seed(0)) before the script.",
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
    steps: int | None,
    devices: str | None,
    timeout: float | None,
    sites: tuple[str, ...],
    all_sites: bool,
    framework: str,
    eager: bool,
    no_seed: bool,
    output_format: str,
    show_output: bool,
) -> None:
    """Run SCRIPT and check whether its flagged weights really change.

    A script that imports torch and not tensorflow is run with PyTorch (see --framework);
    its sites are backward calls.

    \b
    Arguments after `--` go to the script:
        gradlint confirm train.py -- --epochs 3

    Defaults for --steps, --devices, --timeout, --eager, --no-seed and --show-output come
    from [tool.gradlint.confirm] in pyproject.toml, if there is one.

    Exit codes: 1 if a site is frozen, partially-frozen or has no gradient on any device;
    0 if every site was confirmed not frozen; 2 for usage errors and when some site could
    not be confirmed on any device (error, not-reached, unavailable).
    """
    from gradlint.config import ConfigError
    from gradlint.runtime_check import runner, targets
    from gradlint.runtime_check.options import configured_options

    device_list = _parse_devices(devices) if devices is not None else None
    if sites and all_sites:
        _fail("--site and --all-sites cannot be combined")
    try:
        options = configured_options().updated(
            steps=steps,
            devices=device_list,
            timeout=timeout,
            eager=eager or None,
            seed=False if no_seed else None,
            show_output=show_output or None,
        )
    except ConfigError as exc:
        _fail(str(exc))
    try:
        target = targets.load_target(script)
        if framework == "auto":
            framework = targets.detect_framework(target)
        flagged = targets.default_sites(target, framework)
        if all_sites:
            requested = None
        elif sites:
            lines = sorted({targets.parse_site(target, value, framework) for value in sites})
            requested = [targets.SiteRequest(line) for line in lines]
        else:
            requested = flagged
    except runner.ConfirmError as exc:
        _fail(str(exc))
    if requested == []:
        from gradlint.runtime_check.report import ConfirmReport, render_json

        call = "tape.gradient" if framework == "tensorflow" else "backward"
        click.echo(
            f"gradlint confirm: {script} has no frozen-weights finding "
            f"({'/'.join(targets.frozen_codes(framework))}) to confirm; use --all-sites to "
            f"watch every {call} call, or --site LINE",
            err=True,
        )
        if output_format == "json":
            click.echo(render_json(ConfirmReport(script, options.steps, "", [], {})), nl=False)
        sys.exit(0)
    request = _request(target, requested, options, list(script_args), framework)
    try:
        report = run_and_report(target, requested, request, options.devices, flagged)
    except runner.ConfirmError as exc:
        _fail(str(exc))
    from gradlint.runtime_check.report import render_json, render_text

    click.echo((render_json if output_format == "json" else render_text)(report), nl=False)
    sys.exit(report.exit_code)


def run_and_report(target, requested, request, devices: list[str], flagged=()):
    """Run the children (with live progress on a terminal) and build the report."""
    from gradlint.runtime_check import runner
    from gradlint.runtime_check.report import build_report

    framework = request.framework
    available = (
        runner.tensorflow_available()
        if framework == "tensorflow"
        else runner.framework_available(framework)
    )
    if not available:
        raise runner.ConfirmError(runner.missing_framework_message(framework))
    progress = _Progress(devices, request.steps, enabled=_is_tty(sys.stderr))
    progress.start()
    try:
        runs = runner.run_devices(request, devices, progress.update)
    finally:
        progress.close()
    return build_report(
        target, requested, runs, request.steps, request.eager, flagged, framework=framework
    )


def _request(target, requested, options, script_args: list[str], framework="tensorflow"):
    from gradlint.runtime_check import runner

    return runner.RunRequest(
        script=target.path,
        notebook=target.notebook,
        steps=options.steps,
        lines=None if requested is None else [s.line for s in requested],
        eager=options.eager,
        seed=options.seed,
        timeout=options.timeout,
        show_output=options.show_output,
        script_args=script_args,
        framework=framework,
    )


def confirm_findings(findings: list, options=None, *, to_stderr: bool = False) -> int:
    """For ``gradlint PATH... --confirm``: confirm each runnable file with a frozen-weights
    finding, print its report, and return the confirmer's exit code (the highest of all).

    ``options`` (:class:`~gradlint.runtime_check.options.ConfirmOptions`) are the configured
    and ``--confirm-*`` options; the defaults without them.

    ``to_stderr`` keeps a machine-readable lint report on stdout (``--format json``) clean.
    """
    from gradlint.runtime_check import runner, targets
    from gradlint.runtime_check.options import ConfirmOptions
    from gradlint.runtime_check.report import render_text

    options = options or ConfirmOptions()
    frozen = {*targets.FROZEN_CODES, *targets.TORCH_FROZEN_CODES}
    by_path: dict[str, list] = {}
    for finding in findings:
        if finding.code in frozen:
            by_path.setdefault(finding.path, []).append(finding)
    exit_code = 0
    missing: set[str] = set()  # frameworks found not installed: said once, then skipped
    for path, flagged in sorted(by_path.items()):
        if not targets.is_runnable(path):
            click.echo(f"gradlint confirm: {path}: skipped, not a runnable script", err=True)
            continue
        framework = ""
        try:
            target = targets.load_target(path)
            framework = _framework_of(target, flagged)
            if framework in missing:
                continue
            requested = targets.sites_from_findings(target, flagged, framework)
            if not requested:
                click.echo(
                    f"gradlint confirm: {path}: skipped, no {framework} site for its findings",
                    err=True,
                )
                continue
            request = _request(target, requested, options, [], framework)
            report = run_and_report(target, requested, request, options.devices, requested)
        except runner.ConfirmError as exc:
            click.echo(f"gradlint: error: {exc}", err=True)
            exit_code = max(exit_code, EXIT_USAGE)
            if framework and not runner.framework_available(framework):
                missing.add(framework)
            continue
        click.echo(render_text(report), nl=False, err=to_stderr)
        exit_code = max(exit_code, report.exit_code)
    return exit_code


def _framework_of(target, findings: list) -> str:
    """The framework whose rules flagged the file; the script's imports decide a tie."""
    from gradlint.runtime_check import targets

    codes = {finding.code for finding in findings}
    if codes <= set(targets.TORCH_FROZEN_CODES):
        return "torch"
    if codes <= set(targets.FROZEN_CODES):
        return "tensorflow"
    return targets.detect_framework(target)


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
