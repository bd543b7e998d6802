"""The data path runs one way: ``analyzer/`` knows nothing of rules, and rules never import
each other (shared knowledge belongs in the facts). Checked statically, from the imports
written in the files, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE_MODULE_PREFIX = "gl"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, anywhere in the file."""
    package = "gradlint." + path.parent.relative_to(ROOT).as_posix().replace("/", ".")
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _rule_modules() -> list[Path]:
    return sorted((ROOT / "rules").glob(f"{RULE_MODULE_PREFIX}[0-9]*.py"))


@pytest.mark.parametrize("path", sorted((ROOT / "analyzer").rglob("*.py")), ids=lambda p: p.name)
def test_analyzer_never_imports_rules(path: Path):
    offending = {
        m for m in _imports(path) if m == "gradlint.rules" or m.startswith("gradlint.rules.")
    }
    assert not offending, f"{path.relative_to(ROOT)} imports {sorted(offending)}"


@pytest.mark.parametrize("path", _rule_modules(), ids=lambda p: p.name)
def test_rules_never_import_each_other(path: Path):
    others = {f"gradlint.rules.{p.stem}" for p in _rule_modules() if p != path}
    offending = {m for m in _imports(path) if any(m == o or m.startswith(o + ".") for o in others)}
    assert not offending, f"{path.relative_to(ROOT)} imports {sorted(offending)}"


def test_the_checks_see_the_modules():
    """Guards the two tests above against passing on an empty folder or a blind reader."""
    assert len(_rule_modules()) >= 8
    assert len(list((ROOT / "analyzer").rglob("*.py"))) >= 15
    lazy = "def check(ctx):\n    from gradlint.rules.gl005_swapped_pairs import is_swapped\n"
    assert "gradlint.rules.gl005_swapped_pairs" in _imports_in(lazy, "gradlint.rules")
    relative = "from .gl005_swapped_pairs import is_swapped\nfrom .. import rules\n"
    found = _imports_in(relative, "gradlint.rules")
    assert {"gradlint.rules.gl005_swapped_pairs", "gradlint.rules"} <= found
