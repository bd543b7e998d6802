"""Defaults that the fast entry point needs too, in a module that imports nothing."""

#: Folders and files never walked into (ruff's list, plus gradlint's own cache).
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    "__pypackages__",
    "build",
    "dist",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".gradlint_cache",
    ".ipynb_checkpoints",
)
