"""Which files in the vault are memories, found with one cheap walk (stat only, no reads).

A no-change reconcile of 10,000 notes must take well under three seconds, so the walk reads nothing:
it returns each candidate's size, mtime and inode, and the caller reads only files whose stat changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from memem.vault.note import MAX_NOTE_BYTES, BadNote

IGNORED_DIRS = {".obsidian", ".trash", ".git", ".memem", "node_modules", "__pycache__"}
# Editor temp and backup names: vim swap/backup, emacs lock/autosave, VS Code / JetBrains temp, our own.
_TEMP_NAME = re.compile(r"(^\.|^#.*#$|~$|\.sw[a-p]$|\.tmp$|\.bak$|\.orig$|^4913$|\.crswap$|___jb_\w+___$)")


@dataclass(frozen=True)
class FileStat:
    path: str  # relative to the vault, forward slashes
    size: int
    mtime_ns: int
    inode: int


def is_candidate_name(name: str) -> bool:
    """True for a file name that may be a memory note (a visible .md file, not an editor's temp)."""
    return name.endswith(".md") and not _TEMP_NAME.search(name)


def relative_parts_ignored(rel_path: str) -> bool:
    """True when any folder on the path is one memem never looks into (.obsidian, .trash, dot-folders)."""
    parts = rel_path.split("/")
    return any(p in IGNORED_DIRS or p.startswith(".") for p in parts[:-1])


def is_memory_path(rel_path: str, memories: str) -> bool:
    """True when a vault-relative path is a candidate memory note under the memories folder."""
    prefix = memories.rstrip("/") + "/"
    return (
        rel_path.startswith(prefix)
        and not relative_parts_ignored(rel_path)
        and is_candidate_name(rel_path.rsplit("/", 1)[-1])
    )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def walk(vault: Path, memories: str, max_bytes: int = MAX_NOTE_BYTES) -> Iterator[FileStat | BadNote]:
    """Yield every memory note file under `vault/memories` (stat only) and every file refused on sight."""
    root = vault / memories
    real_vault = vault.resolve()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except PermissionError:
            yield BadNote(folder.relative_to(vault).as_posix() + "/", "folder not readable (permission denied)")
            continue
        for entry in entries:
            rel = Path(entry.path).relative_to(vault).as_posix()
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in IGNORED_DIRS and not entry.name.startswith("."):
                    stack.append(Path(entry.path))
                continue
            if not is_candidate_name(entry.name):
                continue
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not _inside(target, real_vault):
                    yield BadNote(rel, f"symlink to {target}, outside the vault: not followed")
                # A symlink inside the vault points at a note memem indexes at its real path.
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # deleted while walking
            if st.st_size > max_bytes:
                yield BadNote(rel, f"too large ({st.st_size:,} bytes; the limit is {max_bytes:,})")
                continue
            yield FileStat(rel, st.st_size, st.st_mtime_ns, st.st_ino)


def stat_one(vault: Path, rel: str, max_bytes: int = MAX_NOTE_BYTES) -> FileStat | BadNote | None:
    """Stat one path the way `walk` would; None when it is gone or not a memory file."""
    path = vault / rel
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if path.is_symlink():
        target = path.resolve()
        return (
            None
            if _inside(target, vault.resolve())
            else BadNote(rel, f"symlink to {target}, outside the vault: not followed")
        )
    if not path.is_file():
        return None
    if st.st_size > max_bytes:
        return BadNote(rel, f"too large ({st.st_size:,} bytes; the limit is {max_bytes:,})")
    return FileStat(rel, st.st_size, st.st_mtime_ns, st.st_ino)
