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

The folder lives in the tree, so a repository can ship one: its entries must never be
believed. Every address (of an entry and of an index) is an HMAC under a key kept outside
the tree, in the user's cache folder (:func:`machine_key`), so entries made anywhere else are
never found; every field read is checked (a bad one is a miss); and the cache never follows
a symlink out of its folder, reads only regular files of bounded size, and prunes only files
named like its own entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from gradlint import __version__
from gradlint.analyzer.findings import Edit, Finding, Fix

#: Bump when the entry format changes.
FORMAT = 2
MAX_AGE_SECONDS = 7 * 24 * 3600
PRUNE_INTERVAL_SECONDS = 24 * 3600
_PRUNE_MARKER = "last-prune"
#: Larger entries or indexes are not read (a hostile file must not exhaust memory).
MAX_READ_BYTES = 64 * 2**20
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")
_BUCKET_NAME = re.compile(r"[0-9a-f]{2}")
_INDEX_NAME = re.compile(r"[0-9a-f]{24}\.json")
_CODE = re.compile(r"GL\d{3}")
_SEVERITIES = ("error", "warning", "info")
#: Control characters that no finding read back may carry (they could forge report lines).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_KEY_FILE = "cache-key"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gradlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class Cache:
    def __init__(self, directory: Path, run_key: str, secret: bytes = b"") -> None:
        self.directory = directory
        self.entries = directory / "entries"
        self.run_key = run_key
        self.secret = secret
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, directory: Path, config_key: str, codes: list[str]) -> Cache | None:
        """The cache in ``directory``, or None when it cannot be created (read-only tree),
        is not a plain folder of this user's, or no key can be kept for this machine."""
        secret = machine_key()
        if secret is None:
            return None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not all(_own_folder(folder) for folder in _folders(directory)):
                return None
            tag = directory / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomic(tag, _TAG.encode())
                _write_atomic(directory / ".gitignore", b"# Created by gradlint.\n*\n")
        except OSError:
            return None
        run_key = repr((FORMAT, __version__, code_fingerprint(), config_key, sorted(codes)))
        return cls(directory, run_key, secret)

    def key(self, kind: str, content: bytes) -> str:
        digest = hmac.new(self.secret, digestmod=hashlib.sha256)
        digest.update(self.run_key.encode())
        digest.update(b"\0" + kind.encode() + b"\0")
        digest.update(content)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> list[Finding] | None:
        """The findings stored under ``key``, unless one of the other files they were
        computed from (the project's modules a file imports) has changed since."""
        entry = self.get_entry(key, path)
        return None if entry is None else entry[0]

    def get_entry(
        self, key: str, path: str, overrides: Mapping[str, str] | None = None
    ) -> tuple[list[Finding], dict[str, str]] | None:
        """The findings stored under ``key`` and the other files they depend on (path ->
        digest). ``overrides`` (absolute path -> text: an editor's unsaved buffers) stand
        for those files' contents on disk."""
        if not _ENTRY_NAME.fullmatch(f"{key}.json"):
            self.misses += 1
            return None
        entry = self._path(key)
        try:
            data = json.loads(read_private(entry))
            if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
                raise ValueError("not an entry")
            findings = [_finding(item, path) for item in data["findings"]]
            dependencies = data.get("deps", {})
            if not dependencies_unchanged(dependencies, overrides):
                raise ValueError("a dependency changed")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            self.misses += 1
            return None
        with contextlib.suppress(OSError, NotImplementedError):
            os.utime(entry, follow_symlinks=False)
        self.hits += 1
        return findings, dict(dependencies)

    def put(
        self, key: str, findings: list[Finding], dependencies: dict[str, str] | None = None
    ) -> None:
        record: dict = {"findings": [_record(f) for f in findings]}
        if dependencies:
            record["deps"] = dependencies
        try:
            data = json.dumps(record).encode()
        except (TypeError, ValueError):
            return  # not JSON (cannot happen with str/int fields): not worth caching
        entry = self._path(key)
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(entry, data)

    def summaries(self) -> SummaryCache:
        """The same folder as a store of function summaries (see
        :mod:`gradlint.analyzer.summaries`)."""
        return SummaryCache(self)

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
        if not all(_own_folder(folder) for folder in _folders(self.directory)):
            return 0  # never prune through a link (or in a folder that is not ours)
        try:
            buckets = [
                (bucket.path, _ENTRY_NAME)
                for bucket in os.scandir(self.entries)
                if _BUCKET_NAME.fullmatch(bucket.name) and bucket.is_dir(follow_symlinks=False)
            ]
        except OSError:
            return 0
        if (self.directory / "index").is_dir():
            # stat indexes of old run keys
            buckets.append((str(self.directory / "index"), _INDEX_NAME))
        for bucket, names in buckets:
            try:
                files = [e for e in os.scandir(bucket) if names.fullmatch(e.name)]
            except OSError:
                continue
            for entry in files:
                try:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode) and current - st.st_mtime > MAX_AGE_SECONDS:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue  # another run removed or replaced it
        return removed


class SummaryCache:
    """Function summaries of the project model, kept as entries beside the findings (same
    addressing, same pruning): pre-commit on one file reads the summaries of the modules it
    imports instead of parsing them."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def get_summary(self, key: str) -> dict | None:
        address = self.cache.key("summary", key.encode("utf-8", "replace"))
        try:
            data = json.loads(read_private(self.cache._path(address)))
        except (OSError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def put_summary(self, key: str, value: dict) -> None:
        address = self.cache.key("summary", key.encode("utf-8", "replace"))
        entry = self.cache._path(address)
        with contextlib.suppress(OSError, TypeError, ValueError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(entry, json.dumps(value).encode())


def dependencies_unchanged(
    dependencies: object, overrides: Mapping[str, str] | None = None
) -> bool:
    """Whether every file a result was computed from still has the recorded content (for
    a project-wide search for callers, whether the project's files are all unchanged).

    ``overrides``: absolute path -> the text that stands for that file (an unsaved editor
    buffer); a project-wide result is stale when any buffer in its tree differs from disk.
    """
    from gradlint.analyzer.project import (
        TREE_DEPENDENCY,
        current_digest,
        text_digest,
        tree_fingerprint,
    )

    if not isinstance(dependencies, dict):
        return False
    overrides = overrides or {}
    for name, digest in dependencies.items():
        if not isinstance(name, str) or not isinstance(digest, str):
            return False
        if name.startswith(TREE_DEPENDENCY):
            root = Path(name[len(TREE_DEPENDENCY) :])
            now = tree_fingerprint(root)
            if any(
                Path(path).is_relative_to(root) and text_digest(text) != current_digest(path)
                for path, text in overrides.items()
            ):
                return False
        elif name in overrides:
            now = text_digest(overrides[name])
        else:
            now = current_digest(name)
        if now != digest:
            return False
    return True


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
        digest = hmac.new(
            cache.secret, f"{cache.run_key}\0{cwd}".encode(), hashlib.sha256
        ).hexdigest()[:24]
        path = cache.directory / "index" / f"{digest}.json"
        try:
            data = json.loads(read_private(path))
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
        if verdict == self.NOTHING_TO_PARSE or (
            isinstance(verdict, str) and _ENTRY_NAME.fullmatch(f"{verdict}.json")
        ):
            return verdict
        return None

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
    """A finding read back, every field checked (``ValueError`` on anything unexpected)."""
    if not isinstance(item, dict):
        raise ValueError("not a finding")
    fix = item["fix"]
    code = _text(item["code"])
    severity = _text(item["severity"])
    if not _CODE.fullmatch(code) or severity not in _SEVERITIES:
        raise ValueError("not a finding")
    if fix is not None:
        if not isinstance(fix, dict) or not isinstance(fix["edits"], list):
            raise ValueError("not a fix")
        fix = Fix(description=_text(fix["description"]), edits=tuple(map(_edit, fix["edits"])))
    return Finding(
        code=code,
        message=_text(item["message"]),
        path=path,
        line=_position(item["line"]),
        column=_position(item["column"]),
        end_line=_position(item["end_line"]),
        end_column=_position(item["end_column"]),
        severity=severity,
        cell=_position(item["cell"], optional=True),
        fix=fix,
        file_line=_position(item["file_line"], optional=True),
        file_end_line=_position(item["file_end_line"], optional=True),
    )


def _text(value: object, *, multiline: bool = False) -> str:
    if not isinstance(value, str) or (not multiline and "\n" in value) or _CONTROL.search(value):
        raise ValueError("not a text")
    return value


def _position(value: object, *, optional: bool = False) -> int:
    if value is None and optional:
        return value  # type: ignore[return-value]
    if type(value) is not int or not 0 <= value < 2**31:
        raise ValueError("not a position")
    return value


def _edit(value: object) -> Edit:
    if not isinstance(value, list) or len(value) != 6:
        raise ValueError("not an edit")
    line, column, end_line, end_column, content, cell = value
    if not isinstance(content, str) or "\x00" in content:
        raise ValueError("not an edit")
    return Edit(
        _position(line),
        _position(column),
        _position(end_line),
        _position(end_column),
        content,
        _position(cell, optional=True),
    )


def read_private(path: Path) -> bytes:
    """A regular file's bytes, without following a final symlink and within
    :data:`MAX_READ_BYTES`; ``OSError`` otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_READ_BYTES:
            raise OSError("not a cache file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_READ_BYTES + 1)
    finally:
        os.close(fd)


def _folders(directory: Path) -> tuple[Path, ...]:
    return (directory, directory / "entries", directory / "index")


def _own_folder(folder: Path) -> bool:
    """A real folder (not a link) owned by this user, or none yet; never one to follow."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    owner_ok = not hasattr(os, "geteuid") or info.st_uid == os.geteuid()
    return stat.S_ISDIR(info.st_mode) and owner_ok


def machine_key() -> bytes | None:
    """This user's secret for cache addresses, made on first use: 32 random bytes in
    ``$XDG_CACHE_HOME/gradlint/`` (default ``~/.cache/gradlint/``), or, where that cannot be
    written, in a private folder of the temporary directory. None (no cache) when neither
    can be kept safely."""
    for folder in _key_folders():
        key = _key_in(folder)
        if key is not None:
            return key
    return None


def _key_folders() -> list[Path]:
    folders = []
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        folders.append(Path(xdg) / "gradlint")
    else:
        with contextlib.suppress(RuntimeError, KeyError):
            folders.append(Path.home() / ".cache" / "gradlint")
    uid = os.geteuid() if hasattr(os, "geteuid") else "user"
    folders.append(Path(tempfile.gettempdir()) / f"gradlint-{uid}")
    return folders


def _key_in(folder: Path) -> bytes | None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
        if not _own_folder(folder) or info.st_mode & 0o022:
            return None  # a folder others could write to, or a link: not a place for a key
        path = folder / _KEY_FILE
        with contextlib.suppress(OSError):
            key = read_private(path)
            if len(key) == 32:
                return key
        fd, tmp = tempfile.mkstemp(prefix=".cache-key.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # another run may have made one first: use that one
        finally:
            os.unlink(tmp)
        key = read_private(path)
        return key if len(key) == 32 else None
    except OSError:
        return None
