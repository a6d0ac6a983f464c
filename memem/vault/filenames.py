"""File names: which ones the scanner reads as notes, and the names memem gives new notes.

Both rules live here so they cannot drift apart: a name memem builds for a note (or a project's
folder) is one the scanner reads. Before they shared this module, `--title "../../Rotate keys"`
was saved as `.. Rotate keys.md`, a dot-name the scanner skips, so the memory was never indexed.
"""

from __future__ import annotations

import re
import unicodedata

IGNORED_DIRS = {".obsidian", ".trash", ".git", ".memem", "node_modules", "__pycache__"}
# Editor temp and backup names: vim swap/backup, emacs lock/autosave, VS Code / JetBrains temp, our own.
_TEMP_NAME = re.compile(r"(^\.|^#.*#$|~$|\.sw[a-p]$|\.tmp$|\.bak$|\.orig$|^4913$|\.crswap$|___jb_\w+___$)")

# Obsidian refuses * " \ / < > : | ? in names and treats # ^ [ ] | specially in links; control
# characters and lone surrogates (no file system name can hold them as UTF-8) go too.
_FORBIDDEN = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f-\x9f\ud800-\udfff]')
_SPACES = re.compile(r"\s+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 100
MAX_STEM_BYTES = 200
"""A file name may hold 255 bytes: room is left for ` 2`, ` (conflict <time>)` and `.md`."""


def is_candidate_name(name: str) -> bool:
    """True for a file name that may be a memory note (a visible .md file, not an editor's temp)."""
    return name.endswith(".md") and not _TEMP_NAME.search(name)


def ignored_folder(name: str) -> bool:
    """True for a folder memem never looks into (.obsidian, .trash, node_modules, any dot-folder)."""
    return name in IGNORED_DIRS or name.startswith(".")


def note_stem(title: str, fallback: str = "memory") -> str:
    """A file name stem (no `.md`) derived from a title, e.g. 'Use uv, not pip' -> 'Use uv, not pip'.

    Never one the scanner passes over: as a note's name (`is_candidate_name`) or as a folder's
    (`ignored_folder`, for a project's folder); leading dots and spaces go last, after every other
    cut, since any step before may leave one in front. `fallback` (an id, say) is used when nothing
    of the title is left.
    """
    text = unicodedata.normalize("NFC", title)
    text = _FORBIDDEN.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_STEM:
        cut = text[:MAX_STEM]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[MAX_STEM // 2 :] else cut).rstrip(" .,;-")
    while len(text.encode("utf-8")) > MAX_STEM_BYTES:
        text = text[:-1].rstrip(" .,;-")
    text = text.lstrip(". ").rstrip(". ")  # "../x", ". .x": a dot-name is hidden; Windows drops a trailing dot
    if not _accepted(text):
        text = fallback if _accepted(fallback) else "memory"
    return text


def _accepted(stem: str) -> bool:
    """A stem the scanner reads, as a note's name and as a folder's, that every platform accepts."""
    return (
        bool(stem)
        and stem == stem.strip(". ")
        and stem.upper() not in _WINDOWS_RESERVED
        and is_candidate_name(f"{stem}.md")
        and not ignored_folder(stem)
        and not _FORBIDDEN.search(stem)
        and len(stem.encode("utf-8", "surrogatepass")) <= MAX_STEM_BYTES
    )


def numbered(stem: str, n: int) -> str:
    """The n-th alternative for a taken name: 'Title', 'Title 2', 'Title 3', … as Obsidian does."""
    return stem if n <= 1 else f"{stem} {n}"
