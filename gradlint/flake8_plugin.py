"""gradlint as a flake8 plugin: ``flake8 --select GL`` reports what ``gradlint`` reports.

Registered under the ``flake8.extension`` entry point with the code prefix ``GL``. The plugin
runs the same engine on the text flake8 read (so stdin and BOM handling are flake8's) and
reports at the same positions: flake8 wants 0-based columns from tree plugins and adds one
when it prints, so ``path:29:13: GL001`` reads the same in both tools. Selection, per-file
ignores and ``noqa`` are flake8's business here; gradlint's own config files are not read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from gradlint import __version__


class GradlintChecker:
    name = "gradlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        # ``tree`` is unused but requested: it makes this a tree plugin, which flake8 runs
        # once per file and skips (reporting E999) when the file does not parse.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from gradlint.api import lint_source
        from gradlint.rules import RULE_MODULES

        findings = lint_source("".join(self.lines), self.filename, list(RULE_MODULES))
        for finding in findings:
            yield (
                finding.line,
                max(finding.column - 1, 0),
                f"{finding.code} {finding.message}",
                type(self),
            )
