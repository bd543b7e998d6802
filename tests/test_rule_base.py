"""The rule base: examples kept as files, and examples that pin their message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gradlint.rules import base
from gradlint.rules.base import ExampleFiles, Invalid, Rule


def _rule(code: str) -> type[Rule]:
    class Example(Rule):
        VALID = ExampleFiles("valid")
        INVALID = ExampleFiles("invalid")

    Example.code = code
    return Example


def test_example_files_are_read_in_name_order_with_the_marker_line(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "EXAMPLES_ROOT", tmp_path)
    (tmp_path / "gl999" / "valid").mkdir(parents=True)
    (tmp_path / "gl999" / "invalid").mkdir()
    (tmp_path / "gl999" / "valid" / "02_b.py").write_text("b = 2\n")
    (tmp_path / "gl999" / "valid" / "01_a.py").write_text("a = 1\n")
    (tmp_path / "gl999" / "valid" / "notes.txt").write_text("not an example\n")
    (tmp_path / "gl999" / "invalid" / "01_bad.py").write_text("x = 1\ny = 2  # GL999\n")
    rule = _rule("GL999")
    assert rule.VALID == ["a = 1\n", "b = 2\n"]
    assert [Invalid("x = 1\ny = 2  # GL999\n", 2)] == rule.INVALID


def test_a_rule_without_its_example_folder_fails_loudly(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "EXAMPLES_ROOT", tmp_path)
    with pytest.raises(FileNotFoundError, match="gl998"):
        _ = _rule("GL998").VALID


def test_an_invalid_file_without_its_marker_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "EXAMPLES_ROOT", tmp_path)
    (tmp_path / "gl997" / "invalid").mkdir(parents=True)
    (tmp_path / "gl997" / "invalid" / "01.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="GL997"):
        _ = _rule("GL997").INVALID


def test_gl001_examples_are_files():
    from gradlint.rules import get_rule

    rule = get_rule("GL001")
    assert len(rule.VALID) >= 30 and len(rule.INVALID) >= 30
    paths = ExampleFiles("invalid").paths("GL001")
    assert all("# GL001" in path.read_text() for path in paths)


def test_a_wrong_pinned_message_fails_the_examples_test():
    from test_rule_examples import test_invalid_example_is_reported

    from gradlint.rules import get_rule

    example = get_rule("GL006").INVALID[0]
    assert example.message is not None
    test_invalid_example_is_reported("GL006", example)
    with pytest.raises(AssertionError):
        test_invalid_example_is_reported("GL006", replace(example, message="something else"))
