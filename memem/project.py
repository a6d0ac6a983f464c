"""Which project a working directory belongs to: the scope recall favours and mining writes to.

The git root's folder name, so every sub-folder of a repository shares one project, and every git
worktree of it shares the main checkout's (lessons mined in a worktree are recalled in the main
checkout and the other way round; a submodule stays a project of its own). Overridable:
`MEMEM_PROJECT` for a session, or a `.memem-project` file (one line, the name) at the repository
root for everyone working in it. Stdlib only: the hooks call this on every prompt.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from memem.settings import settings

OVERRIDE_FILE = ".memem-project"
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _safe(name: str) -> str | None:
    cleaned = _UNSAFE.sub("-", name.strip()).strip("-.")[:100]
    return cleaned or None


def git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _marker_name(marker: Path) -> str | None:
    if not marker.is_file():
        return None
    try:
        named = marker.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return _safe(named[0]) if named else None


def main_checkout(root: Path) -> Path:
    """The repository a git worktree belongs to (`root` itself for a plain checkout or a submodule).

    A worktree's `.git` is a file naming its git folder (`gitdir: …/.git/worktrees/NAME`), whose
    `commondir` leads back to the repository's own git folder. Read by hand: no git process per prompt.
    """
    dotgit = root / ".git"
    if not dotgit.is_file():
        return root
    try:
        first = dotgit.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return root
    if not first.startswith("gitdir:"):
        return root
    gitdir = Path(first.removeprefix("gitdir:").strip())
    gitdir = gitdir if gitdir.is_absolute() else root / gitdir
    try:
        common = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return root  # no commondir: a submodule's git folder, not a worktree's
    common_dir = Path(os.path.normpath(gitdir / common))
    if common_dir.name == ".git":
        return common_dir.parent
    # A bare repository (`proj.git`) with worktrees: the project is named after it.
    return (
        common_dir.with_name(common_dir.name.removesuffix(".git")) if common_dir.name.endswith(".git") else common_dir
    )


def project_of(cwd: str | os.PathLike[str] | None, session_env: dict[str, str] | None = None) -> str | None:
    """The project name for a working directory, or None (global) for the home folder or root.

    `session_env`: the memem variables of the session asking (its MEMEM_PROJECT), for a process that
    serves many sessions (the daemon, answering the hook shim): there the process's own environment
    is not the session's and must never decide. None: this process runs in the session, so its own.
    """
    override = settings().project if session_env is None else session_env.get("MEMEM_PROJECT")
    if override:
        return _safe(override)
    if not cwd:
        return None
    path = Path(cwd).expanduser()
    root = git_root(path) if path.exists() else None
    main = main_checkout(root) if root else None
    # The marker of the folder itself, then (for a worktree whose branch lacks it) the main checkout's.
    for folder in dict.fromkeys(f for f in (root or path, main) if f is not None):
        named = _marker_name(folder / OVERRIDE_FILE)
        if named:
            return named
    base = main or root or path
    if base in (Path.home(), Path(base.anchor)):
        return None
    return _safe(base.name)
