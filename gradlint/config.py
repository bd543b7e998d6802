"""Settings from ``[tool.gradlint]`` in pyproject.toml or ``[gradlint]`` in setup.cfg.

Minimal until the configuration issue lands: only defaults are returned.
"""

from __future__ import annotations

from gradlint.settings import Settings


class ConfigError(Exception):
    """A bad configuration file; the message names the file and the key."""


def load_settings(config_file: str | None = None, isolated: bool = False) -> Settings:
    return Settings()
