"""The confirmer's run options, wherever they are set: the ``[tool.gradlint.confirm]`` table
(``[gradlint.confirm]`` in setup.cfg), the options of ``gradlint confirm``, and the
``--confirm-*`` options of ``gradlint PATH... --confirm``. A flag beats the file, which beats
the default, so a pre-commit hook (whose entry is ``gradlint --confirm``) can be configured in
either place.

Imports click only: the lint command imports this module at start-up.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import click

DEVICES = ("cpu", "gpu")
DEFAULT_TIMEOUT = 300.0
MAX_STEPS = 100_000


@dataclass
class ConfirmOptions:
    steps: int = 5
    devices: list[str] = field(default_factory=lambda: list(DEVICES))
    timeout: float = DEFAULT_TIMEOUT
    eager: bool = False
    seed: bool = True
    show_output: bool = False

    def updated(self, **flags) -> ConfirmOptions:
        """These options with the flags that were given (None: not given) on top."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


class OptionError(ValueError):
    """A bad confirm option value; the message names the option but not its source."""


def parse_devices(value: object) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise OptionError("must be cpu, gpu or cpu,gpu")
    devices: list[str] = []
    for item in items:
        name = item.strip().lower()
        if not name:
            continue
        if name not in DEVICES:
            raise OptionError(f"unknown device '{name}' (use cpu, gpu or cpu,gpu)")
        if name not in devices:
            devices.append(name)
    if not devices:
        raise OptionError("give at least one device")
    return devices


def _steps(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEPS:
        raise OptionError(f"must be a whole number from 1 to {MAX_STEPS}")
    return value


def _timeout(value: object) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise OptionError("must be a number of seconds (at least 1)") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 1:
        raise OptionError("must be a number of seconds (at least 1)")
    return float(value)


def _flag(value: object) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if not isinstance(value, bool):
        raise OptionError("must be true or false")
    return value


_TABLE_KEYS = {
    "steps": _steps,
    "devices": parse_devices,
    "timeout": _timeout,
    "eager": _flag,
    "seed": _flag,
    "show-output": _flag,
}


def options_from_table(table: object, where: str) -> ConfirmOptions:
    """``[tool.gradlint.confirm]``; raises :class:`OptionError` naming ``where`` and the key."""
    if not isinstance(table, dict):
        raise OptionError(f"'{where}' must be a table")
    values = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("_", "-")
        parse = _TABLE_KEYS.get(key)
        if parse is None:
            known = ", ".join(sorted(_TABLE_KEYS))
            raise OptionError(f"unknown key '{where}.{raw_key}' (known keys: {known})")
        try:
            values[key.replace("-", "_")] = parse(value)
        except OptionError as exc:
            raise OptionError(f"'{where}.{raw_key}' {exc}") from None
    return ConfirmOptions(**values)


def configured_options(config_file: str | None = None, isolated: bool = False) -> ConfirmOptions:
    """The options from the configuration file in force (defaults without one); raises
    :class:`gradlint.config.ConfigError`."""
    from gradlint.config import load_settings

    settings = load_settings(config_file=config_file, isolated=isolated)
    return settings.confirm or ConfirmOptions()


# ------------------------------------------------------------------ gradlint PATH --confirm


def _devices_option(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_devices(value)
    except OptionError as exc:
        raise click.BadParameter(str(exc)) from None


def lint_confirm_options(command):
    """The ``--confirm-*`` options of the lint command, handed to it as one ``confirm_flags``
    dict (None for each option not given), so the command's own signature stays short."""
    options = [
        click.option(
            "--confirm-steps",
            type=click.IntRange(min=1, max=MAX_STEPS),
            default=None,
            help="--confirm: observed training steps per site (default 5).",
        ),
        click.option(
            "--confirm-devices",
            default=None,
            callback=_devices_option,
            help="--confirm: cpu, gpu or cpu,gpu (default cpu,gpu).",
        ),
        click.option(
            "--confirm-timeout",
            type=click.FloatRange(min=1.0),
            default=None,
            help="--confirm: seconds per device and script (default 300).",
        ),
        click.option(
            "--confirm-eager",
            is_flag=True,
            help="--confirm: run tf.functions eagerly (default: the script's own mode).",
        ),
        click.option(
            "--confirm-no-seed",
            is_flag=True,
            help="--confirm: do not call tf.keras.utils.set_random_seed(0) first.",
        ),
        click.option(
            "--confirm-show-output",
            is_flag=True,
            help="--confirm: let the scripts' stdout and stderr through.",
        ),
    ]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        flags = {
            "steps": kwargs.pop("confirm_steps"),
            "devices": kwargs.pop("confirm_devices"),
            "timeout": kwargs.pop("confirm_timeout"),
            "eager": kwargs.pop("confirm_eager") or None,
            "seed": False if kwargs.pop("confirm_no_seed") else None,
            "show_output": kwargs.pop("confirm_show_output") or None,
        }
        return command(*args, confirm_flags=flags, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def check_lint_flags(flags: dict, confirm: bool) -> str | None:
    """The usage error of ``--confirm-*`` options given without ``--confirm``, or None."""
    names = {"seed": "no-seed", "show_output": "show-output"}
    given = [f"--confirm-{names.get(name, name)}" for name, v in flags.items() if v is not None]
    if given and not confirm:
        return f"{given[0]} needs --confirm"
    return None
