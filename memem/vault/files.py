"""Reading a file that someone else controls: bounded, never blocking, never led elsewhere.

The indexer reads whatever is in the memories folder, and `memory_import` reads what a model asks
for; both must survive a file that is a pipe, a device, a symlink swapped in between a check and the
open (on the file or on any folder on its way), or a file far larger than it claimed to be.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20


class FileRefused(ValueError):
    """The file is not one to read; the message says why, for a person."""


def is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _opened_path(fd: int) -> str | None:
    """Where an open file really is, from the kernel (None where it cannot say)."""
    if sys.platform.startswith("linux"):
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return None
    return None


def read_bounded(path: Path, limit: int, real_path: Path | None = None) -> bytes:
    """The file's bytes, at most `limit` of them, or FileRefused saying why not.

    O_NOFOLLOW only guards the last part of the path: with `real_path` (the path as it must be when
    no folder on the way is a symlink), the kernel's own record of what was opened is compared with
    it, so a folder swapped for a symlink after the caller's checks is caught too. FileNotFoundError
    passes through: a file deleted meanwhile is gone, not refused.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the last part is a symlink
            raise FileRefused("is a symlink: not followed") from None
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused("not a regular file: not read")
        if real_path is not None:
            opened = _opened_path(fd)
            if opened is not None and opened != str(real_path):
                raise FileRefused(f"leads through a symlink to {opened}: not followed")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefused(f"too large (over {limit:,} bytes)")
    return b"".join(chunks)
