"""Baselines: adopt gradlint in a code base that already has findings.

``--write-baseline FILE`` records today's findings; ``--baseline FILE`` then reports only the
findings not recorded, so a large repository can enforce "no new frozen loops" at once and
pay off the old ones later. An entry must survive edits elsewhere in its file, so it never
stores a line number: its fingerprint hashes the rule, the file, and the flagged code with
its whitespace collapsed (the message is left out, since it can quote line numbers), plus a
count that tells identical findings in one file apart. The file is JSON with sorted keys
and entries, one field per line, so it diffs well in review. An entry that matches no
finding any more (the bug was fixed, or the code changed) is stale and reported, so the
baseline only ever shrinks.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gradlint.analyzer.findings import Finding

FORMAT_KEY = "gradlint-baseline"
FORMAT_VERSION = 1
#: The flagged code kept in an entry for people reading the file (not used for matching).
SOURCE_SHOWN = 120


class BaselineError(Exception):
    """A baseline that cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class Entry:
    path: str
    code: str
    fingerprint: str
    source: str

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "fingerprint": self.fingerprint,
            "path": self.path,
            "source": self.source,
        }

    def describe(self) -> str:
        return f"{self.path}: {self.code} {self.source}"


@dataclass
class Baseline:
    path: Path
    entries: list[Entry]

    def split(
        self, findings: list[Finding], checked: list[str]
    ) -> tuple[list[Finding], int, list[Entry]]:
        """``(new findings, how many were known, stale entries)``.

        An entry is stale when its file was checked in this run (or no longer exists) and
        no finding matched it; entries of files outside this run are left alone.
        """
        remaining = Counter(entry.fingerprint for entry in self.entries)
        new: list[Finding] = []
        known = 0
        for finding, entry in zip(findings, entries_for(findings, self.path.parent), strict=True):
            if remaining[entry.fingerprint] > 0:
                remaining[entry.fingerprint] -= 1
                known += 1
            else:
                new.append(finding)
        base = self.path.parent
        in_run = {_relative(path, base) for path in checked}
        stale = []
        for entry in self.entries:
            if remaining[entry.fingerprint] <= 0:
                continue
            remaining[entry.fingerprint] -= 1
            if entry.path in in_run or not (base / entry.path).exists():
                stale.append(entry)
        return new, known, stale


def entries_for(findings: list[Finding], base: Path) -> list[Entry]:
    """One entry per finding, in order; paths relative to ``base`` (the baseline's folder)."""
    from gradlint.output.positions import SourceLines

    source = SourceLines(Path.cwd())
    seen: Counter[tuple[str, str, str]] = Counter()
    entries = []
    for finding in findings:
        path = _relative(finding.path, base)
        flagged = _flagged_code(finding, source)
        identity = (path, finding.code, flagged)
        seen[identity] += 1
        digest = hashlib.sha256(
            "\0".join((finding.code, path, flagged, str(seen[identity]))).encode("utf-8")
        ).hexdigest()[:20]
        shown = flagged if len(flagged) <= SOURCE_SHOWN else flagged[: SOURCE_SHOWN - 3] + "..."
        entries.append(Entry(path, finding.code, digest, shown))
    return entries


def _flagged_code(finding: Finding, source) -> str:
    """The code between the finding's start and end, whitespace collapsed; else its message."""
    lines = []
    for number in range(finding.line, max(finding.end_line, finding.line) + 1):
        text = source.line(finding, number)
        if text is None:
            return " ".join(finding.message.split())
        lines.append(text)
    if len(lines) == 1:
        end = finding.end_column if finding.end_column > finding.column else len(lines[0]) + 1
        lines[0] = lines[0][finding.column - 1 : end - 1]
    else:
        lines[0] = lines[0][finding.column - 1 :]
        lines[-1] = lines[-1][: max(finding.end_column - 1, 0)]
    flagged = " ".join(" ".join(lines).split())
    return flagged or " ".join(finding.message.split())


def _relative(path: str, base: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:  # another drive (Windows)
        return Path(absolute).as_posix()
    return Path(relative).as_posix()


def write_baseline(path: Path, findings: list[Finding]) -> int:
    """Write the baseline of ``findings`` atomically; returns the number of entries."""
    from gradlint.atomic import write_text_atomic

    entries = sorted(
        entries_for(findings, path.parent), key=lambda e: (e.path, e.code, e.fingerprint)
    )
    document = {FORMAT_KEY: FORMAT_VERSION, "findings": [e.to_dict() for e in entries]}
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(entries)


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: baseline file not found (create it with --write-baseline {path})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise BaselineError(f"{path}: cannot read baseline: {reason}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{path}: not a gradlint baseline: invalid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get(FORMAT_KEY) != FORMAT_VERSION:
        raise BaselineError(
            f"{path}: not a gradlint baseline (expected a '{FORMAT_KEY}': {FORMAT_VERSION} key)"
        )
    entries = []
    for item in document.get("findings", []):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("path", "code", "fingerprint")
        ):
            raise BaselineError(f"{path}: not a gradlint baseline: malformed entry {item!r}")
        entries.append(
            Entry(item["path"], item["code"], item["fingerprint"], str(item.get("source", "")))
        )
    return Baseline(path, entries)
