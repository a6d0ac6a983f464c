"""Every write memem makes to the vault goes through here.

Two guarantees. A write is atomic (the new text goes to a temp file in the same folder, is fsynced,
then takes the note's name), so a crash leaves the old note or the new one, never half of each. And
an edit of an existing note does not overwrite someone else's save made at the same moment (Obsidian
saving the note, the person's editor, a sync client): the edit is a function of the note's text,
and it is only put in place over exactly the text it was computed from.

Why compare-and-swap needs more than "read, compare, rename": a save that lands between the
comparison and the rename is overwritten, and no amount of re-reading closes that gap. Here the
note is first *taken aside* with an atomic rename, so nobody else can change it under its name, then:

- if what was taken aside is not exactly what the edit was computed from, someone saved in the
  meantime: their text goes back and the edit is re-made on it;
- otherwise the new text is put in place with a hard link, which fails if an editor created the
  note again in the meantime (their save is newer: the edit is re-made on it). A file that took
  the name but is not the note saved whole (`_saved_whole`: a program appending with `>>` creates
  the name anew holding only its new lines) replaces nothing: the note, then only in the copy
  aside, is kept beside it as a conflict copy;
- last, the copy aside is checked once more, for a writer that had the file open before it was
  taken aside and wrote into it after; that very file (the writer may still be writing to it) is
  put back over the edit, and the edit is not applied (WriteConflict): the person's save wins.

When two other programs' saves meet (one created the note anew while another wrote into the copy
aside), the one that cannot have its name back is kept beside it as `<name> (conflict <time>).md`
rather than dropped: a person decides. One editor saving again by rename while memem held its last
save aside is not that: its newer save keeps the name, as its rename would have without memem. On a
filesystem without hard links (exFAT, some network shares) the name is reserved with an exclusive
create and the new text renamed over the reservation.

The note is missing under its name for the microseconds between the two renames. memem's own
readers (the indexes too) wait for it; other processes see a delete and a create, as with `git checkout`.

A journal file names the note while it is aside, so a crash at any step is repaired at the next
start (`recover`): the note is put back under its name, and leftover temp files are removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from memem.errors import Conflict, Refused
from memem.vault.filenames import note_stem, numbered
from memem.vault.files import walk_tree
from memem.vault.note import content_hash

log = logging.getLogger(__name__)

TEMP_PREFIX = ".memem-tmp-"
"""Temp files start with a dot so Obsidian and memem's own scanner ignore them."""
ASIDE_PREFIX = ".memem-aside-"
JOURNAL_SUFFIX = ".json"
RETURN_WAIT = 2.0
"""How long a reader waits for a note another memem process has taken aside (a swap takes µs)."""
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}

_pause: Callable[[str], None] | None = None
"""Test seam: called at each step of an edit ("computed", "taken-aside", "placed"), so a test can make
another process save at exactly that moment. None in production."""

_STRIPES = [threading.Lock() for _ in range(64)]
"""Edits of one note within this process wait for each other; other processes are handled above."""


class WriteConflict(Conflict):
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
        if mode is not None:  # the note keeps its own mode (664 for a shared vault), whatever the umask
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def _place(source: Path, target: Path) -> bool:
    """Give the file `source` the name `target` unless that name is taken (then False).

    A hard link does it atomically. Without hard links, the name is reserved by an exclusive create
    and `source` renamed over the reservation (so `source` is gone afterwards, not just linked).
    """
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        os.replace(source, target)
    _fsync_dir(target.parent)
    return True


def create_new(folder: Path, title: str, data: bytes, fallback: str = "memory") -> Path:
    """Write a new note named after `title`, never replacing an existing file ('Title 2', … if taken);
    named `fallback` (the note's id, say) when nothing of the title can name a file."""
    folder.mkdir(parents=True, exist_ok=True)
    return _place_numbered(_write_temp(folder, data, None), folder, note_stem(title, fallback))


def create_at(path: Path, data: bytes) -> bool:
    """Write a note at exactly `path` unless a file is there already (then False, nothing written):
    putting a note back where it was, never over another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _write_temp(path.parent, data, None)
    try:
        return _place(source, path)
    finally:
        with contextlib.suppress(OSError):
            source.unlink()


def _place_numbered(source: Path, folder: Path, stem: str) -> Path:
    """`source` under the first free name of 'stem.md', 'stem 2.md', …; `source` is used up."""
    try:
        for n in range(1, 10_000):
            target = folder / f"{numbered(stem, n)}.md"
            if _place(source, target):
                return target
        raise FileExistsError(f"no free file name for {stem!r} in {folder}")
    finally:
        with contextlib.suppress(OSError):
            source.unlink()


def _keep_as_conflict(copy: Path, path: Path) -> None:
    """Keep another program's save that lost its name as a note beside it, never drop it."""
    kept = _place_numbered(copy, path.parent, f"{path.stem} (conflict {time.strftime('%Y-%m-%d %H%M%S')})")
    log.warning("two saves of %s met; the one that lost its name is kept as %s", path, kept.name)


def _put_back(aside: Path, path: Path, expected: bytes, seen: bytes | None = None) -> None:
    """Return a note taken aside to its name. If a newer file has the name, the aside copy is kept
    beside it (a conflict copy) only when it holds a save no one else has: not just the text memem
    read (nobody's save), not the same as the newer file, and not (`seen`, what it held when taken
    aside) a save that a newer one replaced while memem held it.

    That last case is one editor saving again and again by temp file and rename: its save landed
    just before memem took the note aside and its next save took the name back. Had memem not been
    there, that next rename would have replaced the older save all the same; keeping it as a
    conflict copy resurrected an old text under the note's id (5 runs of 5 in an audit)."""
    for _ in range(3):
        if _place(aside, path):
            with contextlib.suppress(FileNotFoundError):
                aside.unlink()
            return
        try:
            current: bytes | None = path.read_bytes()
            break
        except FileNotFoundError:  # the name was taken and let go again: try to take it back
            current = None
    taken = aside.read_bytes()
    replaced = taken == expected or (taken == seen and _replaced_by_newer(aside, path))
    if taken == current or (replaced and _saved_whole(current, taken)):
        aside.unlink()
    else:
        _keep_as_conflict(aside, path)


_ID_LINE = re.compile(rb"(?m)^id:[ \t]*(\S[^\r\n]*?)[ \t]*\r?$")


def front_matter_id(data: bytes) -> str | None:
    """The id a note's front matter names, from its first 4 KB and without parsing the YAML (quotes
    set aside); None without one. For the checks that need only that: whether a file that took a
    note's name is that note (`_saved_whole`), where a note memem made went (an undo)."""
    head = data[:4096]
    fences = head.split(b"---", 2)
    opens = len(fences) == 3 and not fences[0].removeprefix(b"\xef\xbb\xbf").strip()  # a BOM may come first
    found = _ID_LINE.search(fences[1]) if opens else None
    return found.group(1).decode("utf-8", "replace").strip("'\"") if found else None


def _saved_whole(current: bytes | None, taken: bytes) -> bool:
    """Whether the file that took a note's name while memem held it aside is that note saved whole (an
    editor's save by rename), which may replace the copy aside, and not a fragment: a program
    appending to the note (`>>`, `open(path, "a")`) creates the name anew with only its new lines,
    and the note itself is then only in the copy aside. A whole save begins as the note did and
    keeps its id."""
    if current is None:
        return False
    first = taken.lstrip().split(b"\n", 1)[0].strip()
    if current.lstrip().split(b"\n", 1)[0].strip() != first:
        return False
    note_id = front_matter_id(taken)
    return note_id is None or front_matter_id(current) == note_id


def _replaced_by_newer(aside: Path, path: Path) -> bool:
    """Whether the file now at `path` was written no earlier than the copy aside: a later save that
    took the name, not an older text put back there (a sync client restoring its copy keeps the old
    mtime; the copy aside is then the newer save, and is kept)."""
    try:
        return path.lstat().st_mtime_ns >= aside.lstat().st_mtime_ns
    except FileNotFoundError:
        return False


def _step(name: str) -> None:
    if _pause is not None:
        _pause(name)


def _swap(path: Path, new_file: Path, expected: bytes, new: bytes, consume: bool = True) -> bool:
    """Put `new_file` (holding `new`) at `path` if `path` holds exactly `expected`; with `consume`,
    `new_file` is removed either way (without, it stays when it could not be put in place).

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
        taken = aside.read_bytes()
        if taken != expected:  # a save landed between our read and the rename
            _put_back(aside, path, expected, seen=taken)
            return False
        if not _place(new_file, path):  # created again meanwhile: an editor's newer save, or a fragment
            _put_back(aside, path, expected, seen=taken)
            return False
        _step("placed")
        if aside.read_bytes() == expected:
            aside.unlink()
            return True
        # A writer that had the file open wrote into it while it was aside, and may still be writing:
        # its very file goes back over our text, and memem's edit yields (re-made on that file, it
        # would take the file away from the writer again).
        if _swap(path, aside, new, b"", consume=False):
            with contextlib.suppress(FileNotFoundError):
                aside.unlink()  # the same file has its name back; this was its second name
        else:
            _put_back(aside, path, new)  # yet another save replaced ours: keep both of theirs
        raise WriteConflict(f"{path} was being written by another program; the edit was not applied")
    except BaseException:
        if aside.exists():
            _put_back(aside, path, expected)
        raise
    finally:
        if consume:
            with contextlib.suppress(OSError):
                new_file.unlink()
        if not aside.exists():  # while the note is aside, the journal is how a restart finds it
            with contextlib.suppress(OSError):
                journal.unlink()


def _write_journal(journal: Path, name: str) -> None:
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"note": name}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(journal.parent)


def aside_names(folder: Path) -> set[str]:
    """The names of the notes in `folder` that a journal says are aside right now (being edited)."""
    names: set[str] = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(ASIDE_PREFIX) and entry.name.endswith(JOURNAL_SUFFIX):
                with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
                    name = json.loads(Path(entry.path).read_text(encoding="utf-8")).get("note")
                    if isinstance(name, str):
                        names.add(name)
    return names


def wait_for_return(path: Path, wait: float = RETURN_WAIT) -> bool:
    """Whether a note is at `path`, waiting (at most `wait` seconds) while memem has it aside for an
    edit: for the microseconds of a swap, a note is not at its name, and a reader that took that
    for a delete dropped it from the indexes ("no memory with id" while the note was there)."""
    deadline = time.monotonic() + wait
    while not os.path.lexists(path):
        if time.monotonic() >= deadline or path.name not in aside_names(path.parent):
            return False
        time.sleep(0.005)
    return True


class NoteUnreadable(Refused):
    """The note is there but cannot be read as a note: no permission, or no longer a regular file."""


_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _read_once(path: Path) -> bytes:
    """The bytes of the regular file at `path`, never through a symlink and never blocking on a pipe.

    FileNotFoundError when nothing is there; NoteVanished when a folder is (the note is gone as a
    file: `rm x.md; mkdir x.md`); NoteUnreadable for what cannot be read, with why."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except (IsADirectoryError, NotADirectoryError):
        raise NoteVanished(f"{path} is no longer a note file (a folder is there)") from None
    except PermissionError:
        raise NoteUnreadable(f"{path.name} cannot be read (permission denied): fix its permissions") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NoteUnreadable(f"{path.name} is now a symlink: not followed") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise NoteVanished(f"{path} is no longer a note file (a folder is there)")
        if not stat.S_ISREG(mode):
            raise NoteUnreadable(f"{path.name} is no longer a regular file: not read")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except PermissionError:
        raise NoteUnreadable(f"{path.name} cannot be read (permission denied): fix its permissions") from None
    finally:
        os.close(fd)


def read_note(path: Path, wait: float = RETURN_WAIT) -> bytes:
    """A note's bytes; if another memem process has it aside for an edit, wait for it to come back.

    A note that is not a readable regular file any more is an answer, never a traceback: gone
    (NoteVanished, also for a folder now at its name) or NoteUnreadable (a Refused, saying why)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return _read_once(path)
        except NoteVanished:
            raise
        except FileNotFoundError:
            if time.monotonic() >= deadline or path.name not in aside_names(path.parent):
                raise NoteVanished(str(path)) from None
            time.sleep(0.005)


SETTLE = 0.03
"""How long a note must have gone unwritten before memem edits it (seconds)."""
SETTLE_WAIT = 1.5
"""How long an edit waits for a note being written to settle, before it yields (WriteConflict)."""


def _settled(path: Path) -> bytes:
    """The note's bytes once nobody is writing them in place.

    An editor that saves in place (a shell's `>`, many editors, `open(path, "w")`) empties the file
    first and writes after; an edit computed from that moment's empty or half text would replace the
    whole note, and the editor's bytes would then land in the copy the swap took aside. So a note
    that is empty, or was written in the last few milliseconds, is read again until it holds still;
    one that stays empty is not edited at all (there is no note in it to edit).
    """
    deadline = time.monotonic() + SETTLE_WAIT
    while True:
        data = read_note(path)
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            age = 0.0  # taken aside by another memem process this instant: read again
        if data.strip() and age >= SETTLE:
            return data
        if time.monotonic() >= deadline:
            if not data.strip():
                raise WriteConflict(f"{path} is empty: another program is writing it; the edit was not applied")
            return data
        time.sleep(SETTLE)


def update(path: Path, change: Callable[[str], str], attempts: int = 8) -> str:
    """Apply `change` to the note's current text and put the result in place, over nobody's save.

    `change` may be called several times: whenever someone else saved first, it is applied again to
    their text, so it must compute the edit from the text it is given (never from an earlier read).
    Returns the new content hash (unchanged if `change` changed nothing).
    """
    with _STRIPES[hash(str(path)) % len(_STRIPES)]:
        for _ in range(attempts):
            before = _settled(path)
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


def _plain_name(value: object) -> str | None:
    """A journal's note name, if it is a bare file name (a journal is a file in the vault: never trust
    it to name a path elsewhere)."""
    if not isinstance(value, str) or not value or value in (".", "..") or "/" in value or "\x00" in value:
        return None
    return value


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _journals(folder: Path) -> Iterator[tuple[Path, Path]]:
    """(journal, aside) pairs under `folder`, oldest first: after a crash inside a nested swap, the
    outer one (another program's late save) is put back before the inner one (memem's edit)."""
    found = []
    for root, _, files in walk_tree(folder, _hidden):
        for name in files:
            if name.startswith(ASIDE_PREFIX) and name.endswith(JOURNAL_SUFFIX):
                journal = Path(root) / name
                with contextlib.suppress(OSError):
                    found.append((journal.stat().st_mtime_ns, journal))
    for _, journal in sorted(found):
        yield journal, journal.with_name(journal.name.removesuffix(JOURNAL_SUFFIX))


def recover(folder: Path) -> list[str]:
    """Repair what an interrupted write left under `folder` (run by the owner before it writes).

    A note found aside is put back under its name; if the name is taken again, or the journal that
    named it is unreadable, it is kept under a visible name for the person. Leftover temp files,
    which only ever hold text that was not yet in place, are removed. Returns what was done.
    """
    done: list[str] = []
    if not folder.is_dir():
        return done
    for journal, aside in _journals(folder):
        try:
            name = _plain_name(json.loads(journal.read_text(encoding="utf-8")).get("note"))
        except (OSError, ValueError, AttributeError):
            name = None
        try:
            if aside.exists() and name is not None:
                _put_back(aside, aside.with_name(name), b"")
                done.append(f"put back {name} after an interrupted edit")
            journal.unlink()
        except OSError as exc:
            done.append(f"could not repair {journal.name}: {exc}")
    for root, _, files in walk_tree(folder, _hidden):
        for name in files:
            path = Path(root) / name
            if name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    path.unlink()
                    done.append(f"removed the leftover temp file {name}")
            elif name.startswith(ASIDE_PREFIX) and not name.endswith(JOURNAL_SUFFIX):
                # A note aside with no readable journal: its name is lost, its text must not be.
                with contextlib.suppress(OSError):
                    kept = _place_numbered(path, Path(root), f"Recovered note {name.removeprefix(ASIDE_PREFIX)}")
                    done.append(f"kept a note whose edit was interrupted as {kept.name}")
    for line in done:
        log.warning("%s: %s", folder, line)
    return done
