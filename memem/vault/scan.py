"""Which files in the vault are memories, found with one cheap walk (stat only, no reads).

A no-change reconcile of 10,000 notes must take well under three seconds, so the walk reads nothing:
it returns each candidate's size, mtime, inode and ctime, and the caller reads only files whose stat
changed. The ctime is there for what changes no other field: a `chmod 000` (the note can no longer
be read, so it must leave recall and be reported), or a write whose tool put the old mtime back.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from memem.vault.filenames import ignored_folder, is_candidate_name
from memem.vault.files import is_within
from memem.vault.note import MAX_NOTE_BYTES, BadNote

NOT_UTF8_FILE = "file name is not valid UTF-8: rename the file"
NOT_UTF8_FOLDER = "folder name is not valid UTF-8: the notes in it are not read"
SYMLINKED_FOLDER = "symlinked folder: not followed (move the notes into the vault)"
MAX_FOLDER_DEPTH = 100
"""Folders nested deeper than this below a memories folder are reported, not read: no one files
notes a hundred folders down, and a runaway tree (a thousand deep) must cost bounded work."""
TOO_DEEP = f"folder nested more than {MAX_FOLDER_DEPTH} deep: the notes in it are not read (move them up)"

FolderLinks = dict[str, bool]
"""Folder (vault-relative) -> whether it is a symlink, as found during one batch of paths."""


@dataclass(frozen=True)
class FileStat:
    path: str  # relative to the vault, forward slashes
    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int


def relative_parts_ignored(rel_path: str) -> bool:
    """True when any folder on the path is one memem never looks into (`ignored_folder`)."""
    return any(ignored_folder(p) for p in rel_path.split("/")[:-1])


def is_memory_path(rel_path: str, memories: str) -> bool:
    """True when a vault-relative path is a candidate memory note under the memories folder."""
    prefix = memories.rstrip("/") + "/"
    return (
        rel_path.startswith(prefix)
        and not relative_parts_ignored(rel_path)
        and is_candidate_name(rel_path.rsplit("/", 1)[-1])
    )


def root_of(rel_path: str, roots: tuple[str, ...]) -> str | None:
    """The memories folder (one of `roots`: the person's, a team's) holding this candidate note, if any."""
    return next((root for root in roots if is_memory_path(rel_path, root)), None)


def safe_rel(rel: str) -> str:
    """A vault-relative path that can be stored and shown: bytes that are not UTF-8 as `\\xNN`.

    A file name that is not UTF-8 reaches Python as lone surrogates, which no index, log or JSON
    answer can hold; reported under this form, it names the file without breaking whoever reads it.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")
    return rel


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"),
    ):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def _symlink(path: Path, rel: str, vault: Path, root: Path) -> BadNote | None:
    """What a symlinked note is: nothing to report (a note indexed at its real path), or a BadNote.

    Resolved with every failure caught: a loop, a dangling target or an unreadable folder on the
    way is a reason, never an exception for the caller.
    """
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return BadNote(rel, "symlink loop: not followed")
    except FileNotFoundError:
        return BadNote(rel, "broken symlink (its target does not exist)")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return BadNote(rel, "symlink loop: not followed")
        return BadNote(rel, f"symlink cannot be followed ({exc.strerror or exc})")
    if not is_within(target, vault.resolve()):
        return BadNote(rel, f"symlink to {target}, outside the vault: not followed")
    if not is_within(target, root.resolve()) or not target.is_file():
        return BadNote(rel, "symlink to something that is not a note in the memories folder: not followed")
    return None  # the target is a note memem indexes at its real path


def _classify(
    vault: Path, root: Path, path: Path, rel: str, st: os.stat_result, max_bytes: int
) -> FileStat | BadNote | None:
    if stat.S_ISLNK(st.st_mode):
        return _symlink(path, rel, vault, root)
    if not stat.S_ISREG(st.st_mode):
        return BadNote(rel, f"{_file_kind(st.st_mode)}, not a note: not opened")
    if st.st_size > max_bytes:
        return BadNote(rel, f"too large ({st.st_size:,} bytes; the limit is {max_bytes:,})")
    return FileStat(rel, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def walk(vault: Path, memories: str, max_bytes: int = MAX_NOTE_BYTES) -> Iterator[FileStat | BadNote]:
    """Yield every memory note file under `vault/memories` (stat only) and every file refused on sight.

    Nothing here opens a file or follows a symlinked folder, and no single entry can stop the walk:
    whatever goes wrong with one (a name that is not UTF-8, a pipe, a loop, a permission) becomes
    that entry's BadNote. Folders more than MAX_FOLDER_DEPTH deep are reported, not entered.
    """
    yield from _walk_from(vault, vault / memories, vault / memories, 0, max_bytes)


def walk_folder(
    vault: Path, memories: str, rel_dir: str, max_bytes: int = MAX_NOTE_BYTES
) -> Iterator[FileStat | BadNote]:
    """`walk`, from one folder under the memories folder (a folder moved in, or made): the same rules,
    so a folder event never walks what `memem index` would not. Nothing is walked when the folder
    or one on the way to it is a symlink (that folder is reported, as `walk` reports it), is one
    memem never looks into, or is already too deep."""
    parts = rel_dir.strip("/").split("/")
    top = len(memories.strip("/").split("/"))
    if parts[:top] != memories.strip("/").split("/") or any(ignored_folder(part) for part in parts[top:]):
        return
    bad_name = next((n for n, part in enumerate(parts) if safe_rel(part) != part), None)
    if bad_name is not None:  # the walk does not enter a folder whose name is not UTF-8: it reports it
        if os.path.lexists(vault / rel_dir):  # (a folder renamed away has nothing to report)
            yield BadNote(safe_rel("/".join(parts[: bad_name + 1])) + "/", NOT_UTF8_FOLDER)
        return
    depth = len(parts) - top
    if depth > MAX_FOLDER_DEPTH:
        yield BadNote("/".join(parts[: top + MAX_FOLDER_DEPTH + 1]) + "/", TOO_DEEP)
        return
    try:
        linked = _symlinked_folder(vault, memories, rel_dir.strip("/") + "/", {})  # the folder itself too
    except OSError:
        return  # gone, or cannot be examined: its own event, or the next reconcile, says so
    if linked is not None:
        yield BadNote(linked + "/", SYMLINKED_FOLDER)
        return
    yield from _walk_from(vault, vault / memories, vault / rel_dir.strip("/"), depth, max_bytes)


def walk_under(vault: Path, roots: tuple[str, ...], rel_dir: str) -> Iterator[FileStat | BadNote]:
    """What a folder event's folder holds, by the walk's rules: the notes of each memories folder
    (of `roots`) it lies in (`walk_folder`) or holds (the whole `walk`: the vault's `memem/` moved
    in); nothing for a folder that has no memories in it."""
    folder = rel_dir.strip("/")
    for root in roots:
        if folder == root or folder.startswith(root + "/"):
            yield from walk_folder(vault, root, folder)
        elif root.startswith(folder + "/"):
            yield from walk(vault, root)


def outermost(folders: list[str]) -> list[str]:
    """The folders (each ending in `/`) that no other of them holds: walking those covers the rest.
    A tree made a folder at a time sends an event per folder; walking each one's subtree cost a
    thousand-deep tree cubic time."""
    kept: list[str] = []
    for folder in sorted(folders):  # a folder sorts right before everything inside it
        if not kept or not folder.startswith(kept[-1]):
            kept.append(folder)
    return kept


def _walk_from(vault: Path, root: Path, start: Path, start_depth: int, max_bytes: int) -> Iterator[FileStat | BadNote]:
    """The walk itself, from `start` (`start_depth` folders below `root`): iterative, so a tree of
    any depth costs one listing per folder and no recursion."""
    stack = [(start, start_depth)]
    while stack:
        folder, depth = stack.pop()
        folder_rel = safe_rel(folder.relative_to(vault).as_posix()) + "/"
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except OSError as exc:
            yield BadNote(folder_rel, f"folder cannot be read ({exc.strerror or exc})")
            continue
        for entry in entries:
            rel = safe_rel(Path(entry.path).relative_to(vault).as_posix())
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # deleted while walking
            except OSError as exc:
                yield BadNote(rel, f"cannot be examined ({exc.strerror or exc})")
                continue
            if stat.S_ISDIR(st.st_mode):
                if ignored_folder(entry.name):
                    continue
                if rel != Path(entry.path).relative_to(vault).as_posix():
                    yield BadNote(rel + "/", NOT_UTF8_FOLDER)
                elif depth >= MAX_FOLDER_DEPTH:
                    yield BadNote(rel + "/", TOO_DEEP)
                else:
                    stack.append((Path(entry.path), depth + 1))
                continue
            if not is_candidate_name(entry.name):
                if stat.S_ISLNK(st.st_mode) and not entry.name.startswith(".") and entry.is_dir():
                    yield BadNote(rel + "/", SYMLINKED_FOLDER)
                continue
            if rel != Path(entry.path).relative_to(vault).as_posix():
                yield BadNote(rel, NOT_UTF8_FILE)
                continue
            result = _classify(vault, root, Path(entry.path), rel, st, max_bytes)
            if result is not None:
                yield result


def stat_one(
    vault: Path, memories: str, rel: str, max_bytes: int = MAX_NOTE_BYTES, links: FolderLinks | None = None
) -> FileStat | BadNote | None:
    """Stat one path the way `walk` would; None when it is gone or nothing to index or report.

    `links` remembers, for one batch of paths, which folders are symlinks: the paths of a batch
    share their folders, and asking again for each path cost a deep tree's batch cubic time."""
    if safe_rel(rel) != rel:
        if not os.path.lexists(vault / rel):
            return None  # gone (its folder renamed to a UTF-8 name, say): nothing to report any more
        # Reported as the walk reports it: the first folder whose name is not UTF-8, or the file.
        parts = rel.split("/")
        bad = next(n for n, part in enumerate(parts) if safe_rel(part) != part)
        if bad < len(parts) - 1:
            return BadNote(safe_rel("/".join(parts[: bad + 1])) + "/", NOT_UTF8_FOLDER)
        return BadNote(safe_rel(rel), NOT_UTF8_FILE)
    too_deep = _too_deep(memories, rel)
    if too_deep is not None:
        return None if not os.path.lexists(vault / rel) else BadNote(too_deep, TOO_DEEP)
    path = vault / rel
    try:
        st = path.lstat()
        linked = _symlinked_folder(vault, memories, rel, {} if links is None else links)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return BadNote(rel, f"cannot be examined ({exc.strerror or exc})")
    if linked is not None:
        return BadNote(linked + "/", SYMLINKED_FOLDER)
    if stat.S_ISDIR(st.st_mode):
        return None
    folder_link = stat.S_ISLNK(st.st_mode) and not is_candidate_name(path.name) and not path.name.startswith(".")
    if folder_link and path.is_dir():
        return BadNote(rel + "/", SYMLINKED_FOLDER)  # as the walk reports it
    return _classify(vault, vault / memories, path, rel, st, max_bytes)


def _symlinked_folder(vault: Path, memories: str, rel: str, links: FolderLinks) -> str | None:
    """The first folder below the memories folder on the way to `rel` that is a symlink, if any: the
    walk never enters one, so a single path (a file event) must not be read through one either.
    Each folder is asked once per `links`. Raises OSError (not FileNotFoundError) when one cannot be
    examined."""
    parts = rel.split("/")
    depth = len(memories.strip("/").split("/"))
    folder = "/".join(parts[:depth])
    for part in parts[depth:-1]:
        folder = f"{folder}/{part}"
        linked = links.get(folder)
        if linked is None:
            try:
                linked = links[folder] = stat.S_ISLNK(os.lstat(vault / folder).st_mode)
            except (FileNotFoundError, NotADirectoryError):
                return None  # gone: nothing is read through it
        if linked:
            return folder
    return None


def _too_deep(memories: str, rel: str) -> str | None:
    """The report's key when `rel` lies in a folder the walk does not enter for its depth, else None."""
    parts = rel.split("/")
    top = len(memories.strip("/").split("/"))
    if len(parts) - 1 - top <= MAX_FOLDER_DEPTH:
        return None
    return "/".join(parts[: top + MAX_FOLDER_DEPTH + 1]) + "/"
