"""Which team vaults a personal vault holds, and which projects each one serves.

A team vault is a git repository of memory notes cloned into `<vault>/memem/teams/<name>/`: its
notes in `memories/`, its declaration in `memem-team.json` (`{"name": …, "projects": [...]}`).
Living inside the personal vault, its notes are in Obsidian's file tree, graph and panes, and the
daemon's watcher follows a `git pull` like any other edit; living outside the personal memories
folder, nothing memem writes for the person lands in it by accident.

Read on every recall (which notes a project may see), so it is standard library only and cheap: one
`scandir` and a small JSON file per team, re-read only when the file changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

TEAMS_FOLDER = "memem/teams"
"""Vault-relative folder holding one clone per team."""
MANIFEST = "memem-team.json"
NOTES = "memories"
"""The folder of a team repository that holds its notes (everything else in it is not a memory)."""
LOCAL = "memem.json"
"""Kept inside the clone's `.git/` folder: this machine's choices (writable or not), never committed."""

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import Any


class Team:
    """One team vault as this machine holds it. `declared` is the name in its manifest (the same on every
    machine, whatever each calls its folder); `broken` says the manifest could not be read, and then the
    team serves no project (closed, not open, until it is fixed; doctor says so)."""

    __slots__ = ("broken", "declared", "folder", "name", "projects", "writable")

    def __init__(
        self, name: str, folder: Path, projects: tuple[str, ...], writable: bool, declared: str = "",
        broken: bool = False,
    ) -> None:  # fmt: skip
        self.name, self.folder, self.projects, self.writable = name, folder, projects, writable
        self.declared = declared if is_team_name(declared) else name
        self.broken = broken

    def __repr__(self) -> str:
        return f"Team({self.name!r}, projects={self.projects!r}, writable={self.writable})"

    @property
    def prefix(self) -> str:
        """Vault-relative prefix of every path in this team's clone."""
        return f"{TEAMS_FOLDER}/{self.name}/"

    @property
    def notes_root(self) -> str:
        """Vault-relative folder of the team's notes."""
        return f"{TEAMS_FOLDER}/{self.name}/{NOTES}"

    def merges_notes(self) -> bool:
        """True when this clone's git runs `memem merge-driver` for notes (`memem team add` registers it;
        a clone made by hand falls back to git's line merge, conflict markers and all)."""
        try:
            config = (self.folder / ".git" / "config").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return '[merge "memem"]' in config and "merge-driver" in config

    def serves(self, project: str | None) -> bool:
        """True when this team's notes are recalled for `project` (a team that declares no project
        serves every project; a search across all projects sees every team)."""
        if self.broken:
            return project is None
        return project is None or not self.projects or project in self.projects


_cache: dict[str, tuple[tuple[int, int], tuple[tuple[str, ...], bool, str, bool]]] = {}


def _read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`; None when it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a team's repository decides what its files hold
        return None
    return data if isinstance(data, dict) else None


def _declared(folder: Path) -> tuple[tuple[str, ...], bool, str, bool] | None:
    """(projects, writable, declared name, broken) of the clone in `folder`; None when it is no team vault."""
    manifest, local = folder / MANIFEST, folder / ".git" / LOCAL
    try:
        st = manifest.stat()
    except OSError:
        return None
    try:
        lt = local.stat().st_mtime_ns
    except OSError:
        lt = 0
    key = (st.st_mtime_ns ^ st.st_size, lt)
    cached = _cache.get(str(folder))
    if cached is not None and cached[0] == key:
        return cached[1]
    data = _read_json(manifest)
    raw = data.get("projects", []) if data is not None else None
    broken = not isinstance(raw, list) or not all(isinstance(p, str) for p in raw)
    projects = () if broken else tuple(p.strip() for p in raw if p.strip())  # type: ignore[union-attr]
    declared = data.get("name") if data is not None else None
    writable = (_read_json(local) or {}).get("writable") is True
    value = (projects, writable, declared if isinstance(declared, str) else "", broken)
    _cache[str(folder)] = (key, value)
    return value


def is_team_name(name: str) -> bool:
    """A name a team folder may have: ASCII letters, digits, `-` and `_`, 1–40 of them, not starting with
    `-` (so it is also a valid Chroma collection name, and the plugin reads the same names)."""
    return (
        0 < len(name) <= 40
        and not name.startswith("-")
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    )


def teams(vault: Path) -> list[Team]:
    """Every team vault cloned into this vault, by name."""
    found: list[Team] = []
    try:
        entries = sorted(os.scandir(vault / TEAMS_FOLDER), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if not is_team_name(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        declared = _declared(Path(entry.path))
        if declared is not None:
            found.append(Team(entry.name, Path(entry.path), *declared))
    return found


def team_named(vault: Path, name: str) -> Team | None:
    return next((t for t in teams(vault) if t.name == name), None)


def team_of(rel_path: str) -> str | None:
    """The team whose clone holds this vault-relative path, or None for the person's own notes."""
    if not rel_path.startswith(TEAMS_FOLDER + "/"):
        return None
    name = rel_path[len(TEAMS_FOLDER) + 1 :].split("/", 1)[0]
    return name if is_team_name(name) else None


def memory_roots(vault: Path, memories: str) -> tuple[str, ...]:
    """Every vault-relative folder whose notes are memories: the person's, then each team's."""
    return (memories.strip("/"), *(t.notes_root for t in teams(vault)))


def hidden_prefixes(vault: Path, project: str | None) -> tuple[str, ...]:
    """Path prefixes of the team vaults whose notes `project` must not see (the teams that declare
    projects, none of them this one)."""
    if project is None:
        return ()
    return tuple(t.prefix for t in teams(vault) if not t.serves(project))
