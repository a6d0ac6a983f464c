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
from collections.abc import Callable, Iterator
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


def _in_folder(opened: str, real_path: Path) -> bool:
    """Whether the kernel's record of an opened file puts it in `real_path`'s folder. Only the folder
    tells: the file may have been renamed or replaced since it was opened (an editor's save by
    rename, memem's own edit taking it aside), which the kernel shows as another name or as
    ` (deleted)`; a note that was being saved was reported as leading through a symlink."""
    return os.path.dirname(opened.removesuffix(" (deleted)")) == str(real_path.parent)


def read_bounded(path: Path, limit: int, real_path: Path | None = None, single_name: bool = False) -> bytes:
    """The file's bytes, at most `limit` of them, or FileRefused saying why not.

    O_NOFOLLOW only guards the last part of the path: with `real_path` (the path as it must be when
    no folder on the way is a symlink), the kernel's own record of what was opened is compared with
    it, so a folder swapped for a symlink after the caller's checks is caught too. FileNotFoundError
    passes through: a file deleted meanwhile is gone, not refused. With `single_name`, a file with a
    second name (a hard link, which may live anywhere on the disk) is refused, judged on the file
    that was opened, so a link swapped in after the caller's checks is caught as well.
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
        opened_stat = os.fstat(fd)
        if not stat.S_ISREG(opened_stat.st_mode):
            raise FileRefused("not a regular file: not read")
        if single_name and opened_stat.st_nlink > 1:
            raise FileRefused("a hard link to another file: not read")
        if real_path is not None:
            opened = _opened_path(fd)
            if opened is not None and not _in_folder(opened, real_path):
                # Not where it leads: a path outside the folders memem may read is not for an answer.
                raise FileRefused("leads through a symlink out of the allowed folders: not followed")
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


def walk_tree(top: Path, skip: Callable[[str], bool]) -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, subfolders, files) for `top` and every folder below it, top down like `os.walk`, but
    with a stack instead of recursion: Python 3.11's `os.walk` recurses once per level, and a folder
    nested a thousand deep (a vault is anyone's tree) raised RecursionError in every command that
    walked it. Unlike `os.walk`, a symlink to a folder is listed among the files (never entered: the
    callers check each file's target themselves), an entry that cannot be examined is left out, and
    an unreadable folder is passed over. Folders whose name `skip` returns true for are not entered;
    sorting the yielded subfolder list in place orders the walk."""
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        dirs, files = [], []
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if not skip(entry.name):
                    dirs.append(entry.name)
            else:
                files.append(entry.name)
        yield folder, dirs, files
        stack.extend(os.path.join(folder, name) for name in reversed(dirs))
