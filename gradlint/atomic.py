"""Atomic writes: a temporary file in the same folder, fsynced, then renamed over the target.

A crash or a full disk leaves either the old file or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


class ChangedMeanwhile(Exception):
    """The file is no longer what the new content was made from (see ``expected``)."""


def write_bytes_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    keep_mode: bool = True,
    keep_owner: bool = False,
    expected: bytes | None = None,
) -> None:
    """Replace ``path`` with ``data``, keeping its permissions (and, with ``keep_owner``, its
    owner and group: ``PermissionError`` when they cannot be kept).

    With ``expected``, the file must still hold exactly those bytes (and be the same file)
    at the last moment before the rename, else :class:`ChangedMeanwhile` is raised and
    nothing is changed: an edit saved meanwhile is never overwritten.
    """
    target = Path(path)
    try:
        before = target.stat()
    except FileNotFoundError:
        before = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_owner and before is not None and hasattr(os, "chown"):
            made = os.stat(tmp)
            if (made.st_uid, made.st_gid) != (before.st_uid, before.st_gid):
                os.chown(tmp, before.st_uid, before.st_gid)
        if keep_mode and before is not None:
            os.chmod(tmp, before.st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if expected is not None:
            _check_unchanged(target, before, expected)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _check_unchanged(target: Path, before: os.stat_result | None, expected: bytes) -> None:
    try:
        with open(target, "rb") as handle:
            now = os.fstat(handle.fileno())
            current = handle.read(len(expected) + 1)
    except FileNotFoundError:
        raise ChangedMeanwhile("deleted") from None
    same_file = before is not None and (now.st_dev, now.st_ino) == (before.st_dev, before.st_ino)
    if not same_file or current != expected:
        raise ChangedMeanwhile("changed")


class NotReplaced(Exception):
    """A file edited in place was left as it was; the message says why, for the user."""


class EditedMeanwhile(NotReplaced):
    """The user saved the file after it was read: rerunning starts from their edit."""


def replace_in_place(real_path: str | os.PathLike[str], old: bytes, new: bytes) -> None:
    """Rewrite a user's source file (``--fix``, ``--add-noqa``) keeping what it is.

    ``real_path`` is the resolved path, so that a symlink stays a link to the edited file.
    Its mode and owner are kept; a read-only file is not written (its bits say "do not
    edit", even to root); a hard-linked file is left alone, since a new file would split it
    from its other names; and an edit saved since ``old`` was read is never overwritten
    (the content is compared at the last moment before the rename).
    """
    try:
        info = os.stat(real_path)
    except OSError as exc:
        raise NotReplaced(f"cannot read: {exc.strerror or exc}") from None
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise NotReplaced("the file is read-only")
    if info.st_nlink > 1:
        raise NotReplaced(
            f"the file has {info.st_nlink} hard links, which a rewrite would split "
            "(edit it by hand, or break the links)"
        )
    try:
        write_bytes_atomic(real_path, new, keep_owner=True, expected=old)
    except ChangedMeanwhile:
        raise EditedMeanwhile("the file changed meanwhile; run again") from None
    except PermissionError as exc:
        raise NotReplaced(f"cannot keep its owner or write it: {exc.strerror or exc}") from None
    except OSError as exc:
        raise NotReplaced(f"cannot write: {exc.strerror or exc}") from None


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding))


def write_report(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a report where the user asked, keeping what the path is.

    A regular file (or a new one) is replaced atomically; a symlink to a regular file has
    its target replaced, so the link stays; anything else (``/dev/stdout``, a terminal, a
    FIFO, ``/dev/null``, a file reached through ``/proc``) is written through, never
    replaced. Raises ``OSError`` with a reason a user can act on (a FIFO nobody reads, a
    folder, a full device...).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        write_bytes_atomic(path, data)
        return
    if stat.S_ISLNK(info.st_mode):
        real = os.path.realpath(path)
        try:
            target = os.stat(path)
        except FileNotFoundError:
            target = None
        if (
            target is not None
            and stat.S_ISREG(target.st_mode)
            and not real.startswith(("/proc/", "/dev/"))
        ):
            write_bytes_atomic(real, data)
            return
        info = target or info
    elif stat.S_ISREG(info.st_mode):
        write_bytes_atomic(path, data)
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    _write_through(path, data)


def _write_through(path: str | os.PathLike[str], data: bytes) -> None:
    """Open without blocking (a FIFO nobody reads fails at once instead of hanging), then
    write normally. Appends: a regular file behind ``/dev/stdout`` keeps what is in it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(exc.errno, "no process is reading this FIFO") from None
        raise
    try:
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
