"""The distribution's name and extras: what `pip install` and `gradlint version` show."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import gradlint

DISTRIBUTION = "gradlint-ml"


def test_the_distribution_is_gradlint_ml_and_the_command_reports_its_version() -> None:
    assert importlib.metadata.version(DISTRIBUTION) == gradlint.__version__
    result = subprocess.run(
        [sys.executable, "-m", "gradlint", "version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout == f"gradlint {importlib.metadata.version(DISTRIBUTION)}\n"
    scripts = importlib.metadata.distribution(DISTRIBUTION).entry_points
    assert [ep.name for ep in scripts if ep.group == "console_scripts"] == ["gradlint"]


def test_extras_name_both_frameworks_and_keep_the_old_runtime_alias() -> None:
    metadata = importlib.metadata.metadata(DISTRIBUTION)
    assert {"tensorflow", "runtime", "torch"} <= set(metadata.get_all("Provides-Extra"))
    requires = metadata.get_all("Requires-Dist")
    for extra, framework in (("tensorflow", "tensorflow"), ("runtime", "tensorflow")):
        assert any(r.startswith(framework) and f'extra == "{extra}"' in r for r in requires)
    assert any(r.startswith("torch") and 'extra == "torch"' in r for r in requires)
    # The static path needs neither framework.
    assert not any(r.startswith(("torch", "tensorflow")) and "extra" not in r for r in requires)
