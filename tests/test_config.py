"""Configuration files: discovery, keys, strict validation and how the CLI applies them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from frozen_sources import FROZEN_STEP as FROZEN

from gradlint.cli import main
from gradlint.config import ConfigError, load_settings
from gradlint.settings import DEFAULT_EXCLUDE


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def cli(cwd: Path, *args: str):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


# -- discovery ---------------------------------------------------------------------------------


def test_no_config_gives_defaults(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings.select is None and settings.ignore == []
    assert settings.exclude == list(DEFAULT_EXCLUDE)
    assert settings.source is None


def test_pyproject_keys(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.gradlint]
select = ["GL"]
ignore = ["gl000"]
exclude = ["generated"]
extend-exclude = ["legacy/*.py"]
per-file-ignores = {"tests/*" = ["GL001"]}
""",
    )
    settings = load_settings(cwd=tmp_path)
    assert settings.select == ["GL"]
    assert settings.ignore == ["GL000"]
    assert settings.exclude == ["generated"]
    assert settings.extend_exclude == ["legacy/*.py"]
    assert settings.per_file_ignores == {"tests/*": ["GL001"]}
    assert settings.root == tmp_path.resolve()
    assert settings.source.name == "pyproject.toml"


def test_setup_cfg_keys_flake8_style(tmp_path):
    write(
        tmp_path / "setup.cfg",
        """
[metadata]
name = x

[gradlint]
select = GL001, GL000
extend_exclude =
    legacy
    notebooks/old
per-file-ignores =
    tests/*.py: GL001
    scripts/*.py:GL001,GL000
""",
    )
    settings = load_settings(cwd=tmp_path)
    assert settings.select == ["GL001", "GL000"]
    assert settings.extend_exclude == ["legacy", "notebooks/old"]
    assert settings.per_file_ignores == {
        "tests/*.py": ["GL001"],
        "scripts/*.py": ["GL001", "GL000"],
    }


def test_nearest_file_walking_up_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nignore = ["GL001"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert load_settings(cwd=sub).ignore == ["GL001"]
    assert load_settings(cwd=sub).root == tmp_path.resolve()
    write(tmp_path / "a" / "setup.cfg", "[gradlint]\nignore = GL000\n")
    assert load_settings(cwd=sub).ignore == ["GL000"]


def test_files_without_a_gradlint_table_are_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nignore = ["GL001"]\n')
    sub = tmp_path / "pkg"
    write(sub / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    write(sub / "setup.cfg", "[flake8]\nmax-line-length = 100\n")
    assert load_settings(cwd=sub).ignore == ["GL001"]


def test_pyproject_preferred_over_setup_cfg_in_one_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nignore = ["GL001"]\n')
    write(tmp_path / "setup.cfg", "[gradlint]\nignore = GL000\n")
    assert load_settings(cwd=tmp_path).ignore == ["GL001"]


def test_setup_cfg_used_when_pyproject_has_no_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[build-system]\nrequires = ["setuptools"]\n')
    write(tmp_path / "setup.cfg", "[gradlint]\nignore = GL000\n")
    assert load_settings(cwd=tmp_path).ignore == ["GL000"]


def test_explicit_config_file(tmp_path):
    cfg = write(tmp_path / "conf" / "lint.toml", 'select = ["GL001"]\n')
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nselect = ["GL000"]\n')
    settings = load_settings(config_file=str(cfg), cwd=tmp_path)
    assert settings.select == ["GL001"]
    assert settings.root == cfg.parent.resolve()


def test_isolated_ignores_every_file_even_a_broken_one(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.gradlint]\nbogus = 1\n")
    assert load_settings(isolated=True, cwd=tmp_path).select is None


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("pyproject.toml", '[tool.gradlint]\nexclud = ["x"]\n', "unknown key 'exclud'"),
        ("pyproject.toml", "[tool.gradlint]\nselect = 3\n", "'select' must be a list of strings"),
        ("pyproject.toml", '[tool.gradlint]\nselect = ["GL9"]\n', "'select' names unknown rule"),
        ("pyproject.toml", '[tool.gradlint]\nignore = ["XYZ1"]\n', "'ignore' names unknown rule"),
        ("pyproject.toml", "[tool.gradlint]\nexclude = [1]\n", "'exclude' must be a list"),
        (
            "pyproject.toml",
            '[tool.gradlint]\nper-file-ignores = ["a"]\n',
            "'per-file-ignores' must be a table",
        ),
        (
            "pyproject.toml",
            '[tool.gradlint]\nper-file-ignores = {"a/*" = ["ZZ"]}\n',
            "'per-file-ignores.a/*' names unknown rule",
        ),
        ("pyproject.toml", "[tool.gradlint]\nselect = [\n", "invalid TOML"),
        ("pyproject.toml", "[tool]\ngradlint = 1\n", "'tool.gradlint' must be a table"),
        ("setup.cfg", "[gradlint]\nselect = GL001\nfoo = bar\n", "unknown key 'foo'"),
        ("setup.cfg", "[gradlint]\nper-file-ignores = GL001\n", "expects 'glob: CODES'"),
        ("setup.cfg", "[gradlint]\nselect GL001\n", "invalid configuration"),
    ],
)
def test_bad_config_is_a_one_line_error_naming_file_and_key(tmp_path, name, text, expected):
    write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_settings(cwd=tmp_path)
    message = str(info.value)
    assert message.startswith(name + ": ")
    assert expected in message
    assert "\n" not in message
    result = cli(tmp_path, ".")
    assert result.exit_code == 2
    assert result.output == f"gradlint: error: {message}\n"


def test_missing_explicit_config_file(tmp_path):
    result = cli(tmp_path, "--config", "nope.toml", ".")
    assert result.exit_code == 2
    assert result.output == "gradlint: error: nope.toml: configuration file not found\n"


def test_explicit_pyproject_without_table_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.ruff]\n")
    result = cli(tmp_path, "--config", "pyproject.toml", ".")
    assert result.exit_code == 2
    assert "pyproject.toml: no [tool.gradlint] table" in result.output


def test_unsupported_config_suffix(tmp_path):
    write(tmp_path / "gradlint.yaml", "select: [GL001]\n")
    with pytest.raises(ConfigError, match="unsupported configuration file"):
        load_settings(config_file=str(tmp_path / "gradlint.yaml"), cwd=tmp_path)


# -- applied through the CLI ------------------------------------------------------------------


def test_config_ignore_silences_and_cli_select_overrides(tmp_path):
    write(tmp_path / "t.py", FROZEN)
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nignore = ["GL001"]\n')
    assert cli(tmp_path, "t.py").exit_code == 0
    assert cli(tmp_path, "--isolated", "t.py").exit_code == 1
    write(tmp_path / "pyproject.toml", '[tool.gradlint]\nselect = ["GL000"]\n')
    assert cli(tmp_path, "t.py").exit_code == 0
    assert cli(tmp_path, "--select", "GL001", "t.py").exit_code == 1


def test_config_exclude_and_extend_exclude_are_relative_to_the_config_folder(tmp_path):
    write(tmp_path / "pkg" / "generated" / "a.py", FROZEN)
    write(tmp_path / "pkg" / "legacy" / "b.py", FROZEN)
    write(tmp_path / "pkg" / "c.py", FROZEN)
    write(tmp_path / "setup.cfg", "[gradlint]\nextend-exclude = generated, pkg/legacy\n")
    result = cli(tmp_path / "pkg", ".")
    assert result.output.splitlines()[0].startswith("c.py:8:13: GL001")
    assert "a.py" not in result.output and "b.py" not in result.output


def test_config_per_file_ignores(tmp_path):
    write(tmp_path / "tests" / "test_t.py", FROZEN)
    write(tmp_path / "t.py", FROZEN)
    write(tmp_path / "pyproject.toml", '[tool.gradlint.per-file-ignores]\n"tests/*" = ["GL001"]\n')
    result = cli(tmp_path, ".", "-q")
    assert result.output.splitlines() == [result.output.splitlines()[0]]
    assert result.output.startswith("t.py:8:13: GL001")


def test_config_named_with_config_option(tmp_path):
    write(tmp_path / "t.py", FROZEN)
    write(tmp_path / "ci" / "gradlint.cfg", "[gradlint]\nignore = GL001\n")
    assert cli(tmp_path, "--config", "ci/gradlint.cfg", "t.py").exit_code == 0


def _doc_block(language: str, startswith: str) -> str:
    doc = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in doc.split(f"```{language}\n")[1:]]
    return next(b for b in blocks if b.startswith(startswith))


@pytest.mark.parametrize(
    ("language", "start", "name"),
    [
        ("toml", "[tool.gradlint]", "pyproject.toml"),
        ("ini", "[gradlint]", "setup.cfg"),
    ],
)
def test_readme_config_examples_load(tmp_path, language, start, name):
    write(tmp_path / name, _doc_block(language, start))
    settings = load_settings(cwd=tmp_path)
    assert settings.select == ["GL"]
    assert "generated" in settings.extend_exclude
    assert settings.per_file_ignores == {"tests/*": ["GL001"]}


def test_per_file_ignores_are_relative_to_the_config_folder(tmp_path):
    """Regression: globs were matched only against paths relative to the current folder."""
    write(tmp_path / "pkg" / "tests" / "test_t.py", FROZEN)
    write(tmp_path / "pkg" / "t.py", FROZEN)
    write(
        tmp_path / "pyproject.toml", '[tool.gradlint.per-file-ignores]\n"pkg/tests/*" = ["GL001"]\n'
    )
    result = cli(tmp_path / "pkg", ".", "-q")
    assert result.output.splitlines() == [
        "t.py:8:13: GL001 " + result.output.split(" GL001 ")[1].splitlines()[0]
    ]
