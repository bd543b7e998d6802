"""Reading a file only when it is a regular one, and only up to a bound.

A path can name a FIFO (reading blocks until someone writes: a hang), a device
(``/dev/zero`` never ends: memory runs out) or a socket, directly or through a symlink.
The file is opened without blocking and checked with ``fstat`` on the open descriptor, so
what is checked is what is read, whatever the path turns into meanwhile.
"""

from __future__ import annotations

import errno
import os
import stat

#: No source file is read past this (a larger one is a GL000, not an exhausted machine).
SOURCE_LIMIT_BYTES = 256 * 2**20
#: Nor any configuration file past this.
CONFIG_LIMIT_BYTES = 4 * 2**20


class NotRegularFile(OSError):
    """The path is not a regular file (or is larger than allowed); ``strerror`` says which."""


def read_regular_file(path: str | os.PathLike[str], limit: int = SOURCE_LIMIT_BYTES) -> bytes:
    """The bytes of the regular file at ``path``; :class:`NotRegularFile` for anything else
    or for a file larger than ``limit``, ``OSError`` when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise NotRegularFile(errno.EFBIG, f"larger than {limit // 2**20} MiB")
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise NotRegularFile(errno.EFBIG, f"larger than {limit // 2**20} MiB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
