"""The console entry point, with a fast path for the commonest pre-commit call.

pre-commit passes the changed files by name, and most of them never mention a tape. For that
case the answer ("All checks passed") needs no click, no LibCST and no configuration parsing,
only a read and a substring test per file, so start-up stays close to the interpreter's own.
Anything else (an option, a folder, a notebook, a config file, a file that mentions a tape or
does not decode) goes to the full command line, which gives the same answer for these cases.
"""

from __future__ import annotations

import errno
import os
import sys

from gradlint.analyzer.reading import CONFIG_LIMIT_BYTES, NotRegularFile, read_regular_file

#: The text a file must contain for any rule to fire (the union of every rule's
#: ``required_text``; a test keeps the two in step).
PREFILTER_TOKENS: tuple[str, ...] = (
    "GradientTape",
    "tape.gradient(",
    ".gradients(",
    "compute_gradients(",
    "get_gradients(",
    "def apply_gradients(",
    "implicit_gradients(",
    "implicit_value_and_gradients(",
    "backward",
)
_CONFIG_MARKERS = {"pyproject.toml": b"[tool.gradlint", "setup.cfg": b"[gradlint]"}


def all_clear_line(files_checked: int) -> str:
    return f"All checks passed ({files_checked} file{'s' if files_checked != 1 else ''} checked)."


#: Options that cannot change the answer for files without a tape (``-q`` only hides it).
_HARMLESS_FLAGS = {"--no-cache", "--exit-zero", "-q", "--quiet"}
#: Drops named files that the excludes match; the pre-commit hook passes it.
_FORCE_EXCLUDE = "--force-exclude"


def main() -> None:
    args = sys.argv[1:]
    files = [a for a in args if a not in _HARMLESS_FLAGS and a != _FORCE_EXCLUDE]
    # When --force-exclude drops some of the files, the full path counts what is left.
    some_excluded = _FORCE_EXCLUDE in args and any(_default_excluded(f) for f in files)
    if not some_excluded and _can_answer_fast(files):
        if not {"-q", "--quiet"} & set(args):
            sys.stdout.write(all_clear_line(len(files)) + "\n")
        sys.exit(0)
    from gradlint import prestart

    prestart.start(args)  # the workers' imports overlap with the command line's own
    from gradlint.cli import main as full_main

    full_main(prog_name="gradlint")


def _can_answer_fast(args: list[str]) -> bool:
    if not args or os.environ.get("GITHUB_ACTIONS") == "true" or _config_in_reach():
        return False
    if len(set(args)) != len(args):
        return False
    for arg in args:
        if arg.startswith("-") or not arg.endswith((".py", ".pyi")):
            return False
        try:
            raw = read_regular_file(arg)
        except OSError:
            return False  # missing, unreadable or no regular file: the full path reports it
        if b"\x00" in raw or any(token.encode() in raw for token in PREFILTER_TOKENS):
            return False
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return False  # maybe a coding cookie, maybe GL000: let the full path decide
    return True


def _default_excluded(path: str) -> bool:
    """Whether a part of ``path`` matches a default exclude (no configuration is in reach on
    the fast path, so the defaults are the excludes in force)."""
    from gradlint.defaults import DEFAULT_EXCLUDE

    parts = [part for part in path.replace(os.sep, "/").split("/") if part not in ("", ".")]
    for pattern in DEFAULT_EXCLUDE:
        if "*" in pattern or "?" in pattern or "[" in pattern:
            import fnmatch

            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        elif pattern in parts:
            return True
    return False


def _config_in_reach() -> bool:
    folder = os.getcwd()
    while True:
        for name, marker in _CONFIG_MARKERS.items():
            path = os.path.join(folder, name)
            try:
                if marker in read_regular_file(path, CONFIG_LIMIT_BYTES):
                    return True
            except NotRegularFile as exc:
                if exc.errno == errno.EFBIG:
                    return True  # the full path says what is wrong with it
            except OSError:
                continue  # missing, or a FIFO or device: never read, nor by the full path
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
