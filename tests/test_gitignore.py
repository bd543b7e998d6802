"""gitignore(5) patterns as the walk applies them."""

from __future__ import annotations

import pytest

from gradlint.gitignore import parse_pattern


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.py", "a.py", True),
        ("*.py", "a.pyc", False),
        ("*.py[co]", "a.pyc", True),
        ("gen_?.py", "gen_1.py", True),
        ("/top.py", "top.py", True),
        ("/top.py", "sub/top.py", False),
        ("a/*.py", "a/x.py", True),
        ("a/*.py", "a/b/x.py", False),
        ("a/**/x.py", "a/x.py", True),
        ("a/**/x.py", "a/b/c/x.py", True),
        ("**/cache", "deep/cache", True),
        ("logs/**", "logs/a/b", True),
        ("\\#hash.py", "#hash.py", True),
        ("[!a]b.py", "cb.py", True),
        ("[!a]b.py", "ab.py", False),
    ],
)
def test_pattern_matches_like_git(pattern: str, path: str, expected: bool) -> None:
    parsed = parse_pattern(pattern)
    assert parsed is not None
    subject = path if parsed.anchored else path.rsplit("/", 1)[-1]
    assert bool(parsed.regex.fullmatch(subject)) is expected


def test_comments_blanks_negation_and_folder_only() -> None:
    assert parse_pattern("# comment") is None
    assert parse_pattern("   ") is None
    negated = parse_pattern("!keep.py")
    assert negated is not None and negated.negate and not negated.anchored
    folder = parse_pattern("build/")
    assert folder is not None and folder.dir_only and not folder.anchored
