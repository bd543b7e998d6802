"""The findings cache in ``.gradlint_cache/``: a warm run only reads, hashes and looks up.

An entry is addressed by a hash of everything that decides a file's findings: gradlint's
version (and a fingerprint of its installed code, so an edited checkout never serves stale
results), the effective configuration, the enabled codes, the kind of file and its bytes.
Findings are stored without their path, which is stamped back on when read, so a renamed or
copied file hits too.

A warm run should not even read the files that did not change, so beside the entries an
index per run key and folder maps each file's path to its ``stat`` identity (size,
modification and change times, inode) and what the last run found: nothing to parse, or
the key of its entry. A file whose identity matches is neither read nor hashed. Files
modified (or copied, renamed, touched: the change time counts too) in the last seconds
before a run are not indexed (their time stamp could hide a
second change within the same tick, as git's "racily clean" files), and an indexed key
whose entry is gone is a plain miss.

Entries are JSON written to a temporary file and renamed into place, so a run reading while
another writes sees the old entry, the new one or none, never half of one. Anything that
cannot be read or understood is a miss, never an error. Entries unused for
:data:`MAX_AGE_SECONDS` are pruned (a hit refreshes an entry's age), at most once a day.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from gradlint import __version__
from gradlint.analyzer.findings import Edit, Finding, Fix

#: Bump when the entry format changes.
FORMAT = 2
MAX_AGE_SECONDS = 7 * 24 * 3600
PRUNE_INTERVAL_SECONDS = 24 * 3600
_PRUNE_MARKER = "last-prune"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gradlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class Cache:
    def __init__(self, directory: Path, run_key: str) -> None:
        self.directory = directory
        self.entries = directory / "entries"
        self.run_key = run_key
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, directory: Path, config_key: str, codes: list[str]) -> Cache | None:
        """The cache in ``directory``, or None when it cannot be created (read-only tree)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tag = directory / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomic(tag, _TAG.encode())
                _write_atomic(directory / ".gitignore", b"# Created by gradlint.\n*\n")
        except OSError:
            return None
        run_key = repr((FORMAT, __version__, code_fingerprint(), config_key, sorted(codes)))
        return cls(directory, run_key)

    def key(self, kind: str, content: bytes) -> str:
        digest = hashlib.sha256()
        digest.update(self.run_key.encode())
        digest.update(b"\0" + kind.encode() + b"\0")
        digest.update(content)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> list[Finding] | None:
        entry = self._path(key)
        try:
            data = json.loads(entry.read_bytes())
            findings = [_finding(item, path) for item in data["findings"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)
        self.hits += 1
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        try:
            data = json.dumps({"findings": [_record(f) for f in findings]}).encode()
        except (TypeError, ValueError):
            return  # not JSON (cannot happen with str/int fields): not worth caching
        entry = self._path(key)
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(entry, data)

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for longer than :data:`MAX_AGE_SECONDS`; returns how many.

        Runs at most once per :data:`PRUNE_INTERVAL_SECONDS` unless ``now`` is given.
        """
        marker = self.directory / _PRUNE_MARKER
        current = time.time() if now is None else now
        if now is None:
            try:
                if current - marker.stat().st_mtime < PRUNE_INTERVAL_SECONDS:
                    return 0
            except OSError:
                pass
        with contextlib.suppress(OSError):
            _write_atomic(marker, b"")
        removed = 0
        try:
            buckets = list(os.scandir(self.entries))
        except OSError:
            return 0
        if (self.directory / "index").is_dir():
            buckets.append(self.directory / "index")  # stat indexes of old run keys
        for bucket in buckets:
            try:
                files = list(os.scandir(bucket))
            except OSError:
                continue
            for entry in files:
                try:
                    if current - entry.stat().st_mtime > MAX_AGE_SECONDS:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue  # another run removed or replaced it
        return removed


#: Files modified or changed this recently (nanoseconds) are not indexed: a change within
#: the same time-stamp tick would go unnoticed.
RACY_NS = 2_000_000_000


class StatIndex:
    """Path -> (stat identity, what the last run found), for one run key and folder."""

    #: The verdict of a file that needed no parsing (no finding, nothing cached).
    NOTHING_TO_PARSE = ""

    def __init__(self, path: Path, entries: dict[str, list]) -> None:
        self.path = path
        self.entries = entries
        self.changed = False
        self.started_ns = time.time_ns()

    @classmethod
    def load(cls, cache: Cache, cwd: str) -> StatIndex:
        digest = hashlib.sha256(f"{cache.run_key}\0{cwd}".encode()).hexdigest()[:24]
        path = cache.directory / "index" / f"{digest}.json"
        try:
            data = json.loads(path.read_bytes())
            entries = data["files"] if data.get("format") == FORMAT else {}
            if not isinstance(entries, dict):
                entries = {}
            os.utime(path)  # in use: not pruned with the entries of old run keys
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            entries = {}
        return cls(path, entries)

    def lookup(self, name: str, st: os.stat_result) -> str | None:
        """The recorded verdict when ``name`` still has the identity it had, else None."""
        entry = self.entries.get(name)
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != _identity(st):
            return None
        verdict = entry[1]
        return verdict if isinstance(verdict, str) else None

    def record(self, name: str, st: os.stat_result, verdict: str) -> None:
        if max(st.st_mtime_ns, st.st_ctime_ns) < self.started_ns - RACY_NS:
            self.entries[name] = [_identity(st), verdict]
            self.changed = True

    def save(self) -> None:
        """Written only when something changed. Entries of files other runs looked at are
        kept (a run on one file must not forget the tree); the whole index goes with the
        rest of the cache when the run key changes."""
        if not self.changed:
            return
        data = json.dumps({"format": FORMAT, "files": self.entries}).encode()
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.path, data)


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def code_fingerprint() -> str:
    """Size and modification time of every module that decides findings: a development
    checkout (or an upgrade that keeps the version number) invalidates the cache."""
    import gradlint.analyzer
    import gradlint.rules

    parts = []
    for package in (gradlint.analyzer, gradlint.rules):
        for folder in package.__path__:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".py"):
                    with contextlib.suppress(OSError):
                        st = entry.stat()
                        parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _write_atomic(path: Path, data: bytes) -> None:
    """Temporary file, then rename. No fsync: losing an entry in a crash costs one miss."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _record(finding: Finding) -> dict:
    fix = finding.fix
    return {
        "code": finding.code,
        "message": finding.message,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "severity": finding.severity,
        "cell": finding.cell,
        "fix": None
        if fix is None
        else {
            "description": fix.description,
            "edits": [
                [e.line, e.column, e.end_line, e.end_column, e.content, e.cell] for e in fix.edits
            ],
        },
        "file_line": finding.file_line,
        "file_end_line": finding.file_end_line,
    }


def _finding(item: dict, path: str) -> Finding:
    fix = item["fix"]
    return Finding(
        code=str(item["code"]),
        message=str(item["message"]),
        path=path,
        line=int(item["line"]),
        column=int(item["column"]),
        end_line=int(item["end_line"]),
        end_column=int(item["end_column"]),
        severity=str(item["severity"]),
        cell=item["cell"],
        fix=None
        if fix is None
        else Fix(
            description=str(fix["description"]),
            edits=tuple(Edit(*edit) for edit in fix["edits"]),
        ),
        file_line=item["file_line"],
        file_end_line=item["file_end_line"],
    )
