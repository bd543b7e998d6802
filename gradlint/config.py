"""Settings from ``[tool.gradlint]`` in pyproject.toml or ``[gradlint]`` in setup.cfg.

The nearest such file wins, searching from the current folder upwards, the way ruff and
flake8 find theirs: a pyproject.toml (or setup.cfg) without a gradlint table is passed over,
so a repository can keep its gradlint settings in whichever file it already has. In one folder,
pyproject.toml is preferred over setup.cfg. ``--config FILE`` names the file instead and
``--isolated`` ignores them all.

Strictness is deliberate: a misspelt key (``exclud``) or a code that names no rule would
otherwise be silently ignored and the user would believe a setting is in force. Every problem
is a :class:`ConfigError` whose one-line message names the file and the key.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Callable
from pathlib import Path

from gradlint.settings import Settings

PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"


class ConfigError(Exception):
    """A bad configuration file; the message names the file and the key."""


def load_settings(
    config_file: str | None = None, isolated: bool = False, cwd: Path | None = None
) -> Settings:
    """The settings of a run: defaults updated from the one configuration file in force."""
    cwd = cwd or Path.cwd()
    if isolated:
        return Settings(root=cwd)
    if config_file is not None:
        path = Path(config_file)
        fs_path = path if path.is_absolute() else cwd / path
        if not fs_path.is_file():
            raise ConfigError(f"{config_file}: configuration file not found")
        table = read_table(fs_path, required=True, shown=path)
    else:
        found = find_config(cwd)
        if found is None:
            return Settings(root=cwd)
        fs_path, path, table = found
    settings = settings_from_table(table or {}, path)
    settings.root = fs_path.parent.resolve()
    return settings


def find_config(start: Path) -> tuple[Path, Path, dict] | None:
    """The nearest ``pyproject.toml``/``setup.cfg`` holding gradlint settings.

    Returns the file, its name for messages (relative to ``start`` when inside it) and its
    gradlint table.
    """
    for folder in (start.resolve(), *start.resolve().parents):
        for name in (PYPROJECT, SETUP_CFG):
            candidate = folder / name
            if not candidate.is_file():
                continue
            shown = _relative(candidate, start)
            table = read_table(candidate, required=False, shown=shown)
            if table is not None:
                return candidate, shown, table
    return None


def _relative(path: Path, start: Path) -> Path:
    """A found file is named relative to the current folder in messages, when inside it."""
    try:
        return path.relative_to(start.resolve())
    except ValueError:
        return path


def read_table(path: Path, required: bool, shown: Path | None = None) -> dict | None:
    """The gradlint table of ``path`` as a dict, or None when it has none (and none is needed).

    ``.toml`` files use ``[tool.gradlint]``, except a file not called pyproject.toml whose
    top level has no ``tool`` table (a dedicated ``gradlint.toml``); ``.cfg``/``.ini`` files
    use the ``[gradlint]`` section. Messages name the file as ``shown``.
    """
    shown = shown or path
    from gradlint.analyzer.reading import CONFIG_LIMIT_BYTES, read_regular_file

    try:
        # Only a regular file of bounded size: a FIFO would hang every run, a link to
        # /dev/zero would exhaust memory.
        text = read_regular_file(path, CONFIG_LIMIT_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"{shown}: cannot read: {reason}") from None
    if not required and "gradlint" not in text:
        return None
    if path.suffix == ".toml":
        table = _toml_table(shown, text)
    elif path.suffix in (".cfg", ".ini"):
        table = _cfg_table(shown, text)
    else:
        raise ConfigError(
            f"{shown}: unsupported configuration file (use pyproject.toml, "
            "setup.cfg or a .toml/.cfg file)"
        )
    if table is None and required:
        section = "[gradlint]" if path.suffix in (".cfg", ".ini") else "[tool.gradlint]"
        raise ConfigError(f"{shown}: no {section} table")
    return table


def _toml_table(path: Path, text: str) -> dict | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and "gradlint" in tool:
        table = tool["gradlint"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'tool.gradlint' must be a table")
        return table
    if path.name != PYPROJECT and "tool" not in data:
        return data
    return None


def _cfg_table(path: Path, text: str) -> dict | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise ConfigError(f"{path}: invalid configuration: {_cfg_problem(exc)}") from None
    if not parser.has_section("gradlint"):
        return None
    table: dict = {key: _cfg_value(key, value) for key, value in parser.items("gradlint")}
    if parser.has_section("gradlint.confirm"):
        # Strings: the confirm options read "5", "true" and "cpu,gpu" as TOML values.
        table["confirm"] = dict(parser.items("gradlint.confirm"))
    return table


def _cfg_problem(exc: configparser.Error) -> str:
    """configparser's messages repeat the file name and span lines; keep the line and text."""
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, line = exc.errors[0]
        return f"line {lineno}: cannot parse {line.strip()!r}"
    lineno = getattr(exc, "lineno", None)
    line = getattr(exc, "line", None)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {lineno}: {str(line).strip()!r} before any [section] header"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {lineno}: key '{exc.option}' repeated in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {lineno}: section [{exc.section}] repeated"
    return " ".join(str(exc).split())


def _cfg_value(key: str, value: str) -> list[str] | dict[str, list[str]] | str | bool:
    """setup.cfg values are strings: lists are comma/space/newline separated (flake8 style)."""
    if key.replace("_", "-") == "per-file-ignores":
        return value
    if key.replace("_", "-") in _BOOL_KEYS:
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        return value
    return [item for item in re.split(r"[,\s]+", value) if item]


# --------------------------------------------------------------------------------------------
# Validation


def settings_from_table(table: dict, path: Path) -> Settings:
    settings = Settings(source=path)
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        handler = _KEYS.get(key)
        if handler is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key '{raw_key}' (known keys: {known})")
        handler(settings, value, path, raw_key)
    return settings


def _string_list(value: object, path: Path, key: str) -> list[str]:
    if isinstance(value, str):
        value = [item for item in re.split(r"[,\s]+", value) if item]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return [item.strip() for item in value if item.strip()]


def _codes(value: object, path: Path, key: str) -> list[str]:
    from gradlint.rules import is_known_prefix

    codes = [code.upper() for code in _string_list(value, path, key)]
    for code in codes:
        if not is_known_prefix(code):
            raise ConfigError(f"{path}: '{key}' names unknown rule code or prefix '{code}'")
    return codes


def _set_select(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.select = _codes(value, path, key)


def _set_ignore(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.ignore = _codes(value, path, key)


def _set_extend_select(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.extend_select = _codes(value, path, key)


def _set_extend_ignore(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.extend_ignore = _codes(value, path, key)


def _flag(attribute: str) -> Callable[[Settings, object, Path, str], None]:
    def set_flag(settings: Settings, value: object, path: Path, key: str) -> None:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: '{key}' must be true or false")
        setattr(settings, attribute, value)

    return set_flag


def _set_exclude(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.exclude = _string_list(value, path, key)


def _set_extend_exclude(settings: Settings, value: object, path: Path, key: str) -> None:
    settings.extend_exclude = _string_list(value, path, key)


def _set_per_file_ignores(settings: Settings, value: object, path: Path, key: str) -> None:
    if isinstance(value, str):
        value = _parse_per_file_ignores(value, path, key)
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{key}' must be a table of glob = [codes]")
    parsed: dict[str, list[str]] = {}
    for pattern, codes in value.items():
        if not isinstance(pattern, str) or not pattern.strip():
            raise ConfigError(f"{path}: '{key}' has an empty glob")
        parsed[pattern.strip()] = _codes(codes, path, f"{key}.{pattern}")
    settings.per_file_ignores = parsed


def _parse_per_file_ignores(text: str, path: Path, key: str) -> dict[str, list[str]]:
    """flake8's setup.cfg syntax: ``glob: CODES`` entries, one per line or space-separated."""
    result: dict[str, list[str]] = {}
    pattern: str | None = None
    for token in re.split(r"[\s,]+", text.replace(":", ": ")):
        if not token:
            continue
        if token.endswith(":"):
            pattern = token[:-1]
            if not pattern:
                raise ConfigError(f"{path}: '{key}' has an empty glob before ':'")
            result.setdefault(pattern, [])
        elif pattern is None:
            raise ConfigError(f"{path}: '{key}' expects 'glob: CODES' entries, got '{token}'")
        else:
            result[pattern].append(token)
    return result


def _set_confirm(settings: Settings, value: object, path: Path, key: str) -> None:
    from gradlint.runtime_check.options import OptionError, options_from_table

    try:
        settings.confirm = options_from_table(value, key)
    except OptionError as exc:
        raise ConfigError(f"{path}: {exc}") from None


#: Keys that take true/false -> the Settings attribute they set.
_BOOL_KEYS = {
    "force-exclude": "force_exclude",
    "respect-gitignore": "respect_gitignore",
    "check-syntax": "check_syntax",
    "project": "project",
}

_KEYS: dict[str, Callable[[Settings, object, Path, str], None]] = {
    "confirm": _set_confirm,
    "select": _set_select,
    "ignore": _set_ignore,
    "extend-select": _set_extend_select,
    "extend-ignore": _set_extend_ignore,
    "exclude": _set_exclude,
    "extend-exclude": _set_extend_exclude,
    "per-file-ignores": _set_per_file_ignores,
    **{key: _flag(attribute) for key, attribute in _BOOL_KEYS.items()},
}
