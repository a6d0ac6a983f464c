"""Every write memem makes to the vault goes through here.

Two guarantees: a write is atomic (temp file in the same folder, fsync, rename, fsync of the folder),
so a crash leaves either the old note or the new one, never half of each; and an edit of an existing
note is compare-before-write: the change is a function of the note's current text, re-applied on a
fresh read if the file changed underneath (Obsidian saving the same note), so neither side is lost.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from memem.vault.filenames import note_stem, numbered
from memem.vault.note import content_hash

TEMP_PREFIX = ".memem-tmp-"
"""Temp files start with a dot so Obsidian and memem's own scanner ignore them."""


class WriteConflict(RuntimeError):
    """The note kept changing while memem tried to edit it; nothing was written."""


class NoteVanished(FileNotFoundError):
    """The note was deleted or moved before the edit could be applied."""


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse directory fsync; the rename still holds
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(folder: Path, data: bytes, mode: int | None) -> Path:
    temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def atomic_write(path: Path, data: bytes) -> None:
    """Replace (or create) `path` with `data` atomically, keeping the file's permission bits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o7777
    temp = _write_temp(path.parent, data, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)


def create_new(folder: Path, title: str, data: bytes) -> Path:
    """Write a new note named after `title`, never replacing an existing file ('Title 2', … if taken)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = note_stem(title)
    temp = _write_temp(folder, data, None)
    try:
        for n in range(1, 10_000):
            target = folder / f"{numbered(stem, n)}.md"
            try:
                os.link(temp, target)  # atomic create-if-absent: fails when the name is taken
            except FileExistsError:
                continue
            _fsync_dir(folder)
            return target
        raise FileExistsError(f"no free file name for {stem!r} in {folder}")
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def update(path: Path, change: Callable[[str], str], expected_hash: str | None = None, attempts: int = 5) -> str:
    """Apply `change` to the note's current text and write the result atomically.

    `expected_hash` (the content hash the caller based its decision on) is only a hint: the change is
    always re-applied to what is on disk now, so a concurrent edit is merged, not overwritten.
    Returns the new content hash (unchanged if `change` changed nothing).
    """
    del expected_hash  # the decision is re-made on fresh text below, which subsumes the check
    for _ in range(attempts):
        try:
            before = path.read_bytes()
        except FileNotFoundError:
            raise NoteVanished(str(path)) from None
        new_text = change(before.decode("utf-8"))
        new = new_text.encode("utf-8")
        if new == before:
            return content_hash(before)
        mode = path.stat().st_mode & 0o7777
        temp = _write_temp(path.parent, new, mode)
        try:
            # Last look before the swap: if someone saved in between, start over on their version.
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                raise NoteVanished(str(path)) from None
            if current != before:
                continue
            os.replace(temp, path)
            _fsync_dir(path.parent)
            return content_hash(new)
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    raise WriteConflict(f"{path} kept changing; the edit was not applied")
