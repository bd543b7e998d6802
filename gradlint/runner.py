"""Analyzes a list of files and returns their findings in a deterministic order."""

from __future__ import annotations

from gradlint.analyzer.engine import analyze_file
from gradlint.analyzer.findings import Finding
from gradlint.discovery import SourceFile
from gradlint.settings import Settings


def run(files: list[SourceFile], codes: list[str], settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for file in files:
        findings.extend(analyze_file(file.fs_path, file.display_path, codes))
    return sorted(findings, key=lambda f: f.sort_key)
