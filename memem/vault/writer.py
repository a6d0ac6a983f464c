"""Every write memem makes to the vault goes through here.

Two guarantees. A write is atomic (the new text goes to a temp file in the same folder, is fsynced,
then takes the note's name), so a crash leaves the old note or the new one, never half of each. And
an edit of an existing note never drops someone else's edit made at the same moment (Obsidian
saving the note, the person's editor, a sync client): the edit is a function of the note's text,
and it is only put in place over exactly the text it was computed from.

Why compare-and-swap needs more than "read, compare, rename": a save that lands between the
comparison and the rename is overwritten, and no amount of re-reading closes that gap. Here the
note is first *taken aside* with an atomic rename, so nobody else can change it under us, and then:

- if what was taken aside is not exactly what the edit was computed from, someone saved in the
  meantime: their text goes back (unless an even newer save already took the name) and the edit is
  re-made on it;
- otherwise the new text is put in place with a hard link, which fails if an editor created the
  note again in the meantime (their save is newer: the edit is re-made on it);
- last, the aside copy is checked once more, for a writer that had the file open before it was
  taken aside and wrote into it after; that text is then edited and put back in the same way.

A journal file names the note while it is aside, so a crash at any step is repaired at the next
start (`recover`): the note is put back under its name, and leftover temp files are removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from memem.vault.filenames import note_stem, numbered
from memem.vault.note import content_hash

log = logging.getLogger(__name__)

TEMP_PREFIX = ".memem-tmp-"
"""Temp files start with a dot so Obsidian and memem's own scanner ignore them."""
ASIDE_PREFIX = ".memem-aside-"
JOURNAL_SUFFIX = ".json"

_pause: Callable[[str], None] | None = None
"""Test seam: called at each step of an edit ("computed", "taken-aside", "placed"), so a test can make
another process save at exactly that moment. None in production."""


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


def _write_temp(folder: Path, data: bytes, mode: int | None, prefix: str = TEMP_PREFIX) -> Path:
    temp = folder / f"{prefix}{secrets.token_hex(6)}"
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


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NoteVanished(str(path)) from None


def _put_back(aside: Path, path: Path) -> None:
    """Return a note taken aside to its name, unless a newer file has taken the name since."""
    with contextlib.suppress(FileExistsError):
        os.link(aside, path)
    aside.unlink()


def _step(name: str) -> None:
    if _pause is not None:
        _pause(name)


def _swap(path: Path, temp: Path, expected: bytes, new: bytes) -> bool:
    """Put `temp` (holding `new`) at `path` if `path` holds exactly `expected`; `temp` is used up.

    False when someone else's save got in the way: their text is then at `path` (or an even newer
    save of theirs is), and the caller re-makes its edit on it.
    """
    folder = path.parent
    token = secrets.token_hex(6)
    aside = folder / f"{ASIDE_PREFIX}{token}"
    journal = folder / f"{ASIDE_PREFIX}{token}{JOURNAL_SUFFIX}"
    _write_journal(journal, path.name)
    try:
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            raise NoteVanished(str(path)) from None
        _step("taken-aside")
        if aside.read_bytes() != expected:  # a save landed between our read and the rename
            _put_back(aside, path)
            return False
        try:
            os.link(temp, path)
        except FileExistsError:  # an editor created the note again after we took it aside: theirs is newer
            aside.unlink()
            return False
        _fsync_dir(folder)
        _step("placed")
        late = aside.read_bytes()
        if late == expected:
            aside.unlink()
            return True
        # A writer that had the file open wrote into it while it was aside: its text is newer than
        # the one our edit was made on. Put it back over ours (unless yet another save replaced
        # ours), and let the caller re-make the edit on it.
        _swap(path, _write_temp(folder, late, aside.stat().st_mode & 0o7777), new, late)
        aside.unlink()
        return False
    except BaseException:
        if aside.exists():
            _put_back(aside, path)
        raise
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
        with contextlib.suppress(OSError):
            journal.unlink()


def _write_journal(journal: Path, name: str) -> None:
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"note": name}, handle)
        handle.flush()
        os.fsync(handle.fileno())


def update(path: Path, change: Callable[[str], str], attempts: int = 8) -> str:
    """Apply `change` to the note's current text and put the result in place, losing no concurrent edit.

    `change` may be called several times: whenever someone else saved first, it is applied again to
    their text, so it must compute the edit from the text it is given (never from an earlier read).
    Returns the new content hash (unchanged if `change` changed nothing).
    """
    for _ in range(attempts):
        before = _read(path)
        new = change(before.decode("utf-8")).encode("utf-8")
        if new == before:
            return content_hash(before)
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            raise NoteVanished(str(path)) from None
        temp = _write_temp(path.parent, new, mode)
        _step("computed")
        if _swap(path, temp, before, new):
            return content_hash(new)
    raise WriteConflict(f"{path} kept changing; the edit was not applied")


def recover(folder: Path) -> list[str]:
    """Repair what an interrupted write left under `folder` (run by the owner before it writes).

    A note found aside is put back under its name (unless a file has that name again); leftover temp
    files, which only ever hold text that was not yet in place, are removed. Returns what was done.
    """
    done: list[str] = []
    if not folder.is_dir():
        return done
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        here = Path(root)
        for name in files:
            if not name.startswith(ASIDE_PREFIX) or not name.endswith(JOURNAL_SUFFIX):
                continue
            journal, aside = here / name, here / name.removesuffix(JOURNAL_SUFFIX)
            with contextlib.suppress(OSError, ValueError):
                original = here / str(json.loads(journal.read_text(encoding="utf-8"))["note"])
                if aside.exists() and "/" not in original.name:
                    _put_back(aside, original)
                    done.append(f"put back {original.name} after an interrupted edit")
                journal.unlink()
        for name in files:
            if name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    (here / name).unlink()
                    done.append(f"removed the leftover temp file {name}")
    for line in done:
        log.warning("%s: %s", folder, line)
    return done
