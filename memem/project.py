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
import stat
from pathlib import Path

from memem.settings import settings

OVERRIDE_FILE = ".memem-project"
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _safe(name: str) -> str | None:
    cleaned = _UNSAFE.sub("-", name.strip()).strip("-.")[:100]
    return cleaned or None


_SMALL = 4096
"""Bytes read of a `.git` file, a `commondir` or a `.memem-project`: each holds one short line."""


def _head(path: Path) -> str | None:
    """The start of a small file, or None: a FIFO, a device (`/dev/zero`) or a folder at that name is
    not read (a prompt's hook must never block on one, nor read without end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, _SMALL).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _marker_name(marker: Path) -> str | None:
    named = (_head(marker) or "").strip().splitlines()
    return _safe(named[0]) if named else None


def main_checkout(root: Path) -> Path:
    """The repository a git worktree belongs to (`root` itself for a plain checkout or a submodule).

    A worktree's `.git` is a file naming its git folder (`gitdir: …/.git/worktrees/NAME`), whose
    `commondir` leads back to the repository's own git folder. Read by hand: no git process per prompt.
    """
    lines = (_head(root / ".git") or "").splitlines()
    if not lines or not lines[0].startswith("gitdir:"):
        return root
    gitdir = Path(lines[0].removeprefix("gitdir:").strip())
    gitdir = gitdir if gitdir.is_absolute() else root / gitdir
    common = (_head(gitdir / "commondir") or "").strip()
    if not common:
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
    try:
        root = git_root(path) if path.exists() else None
        main = main_checkout(root) if root else None
    except OSError:  # a name the file system refuses (over 255 bytes), a folder it cannot read
        root = main = None
    # The marker of the folder itself, then (for a worktree whose branch lacks it) the main checkout's.
    for folder in dict.fromkeys(f for f in (root or path, main) if f is not None):
        named = _marker_name(folder / OVERRIDE_FILE)
        if named:
            return named
    base = main or root or path
    if base in (Path.home(), Path(base.anchor)):
        return None
    return _safe(base.name)
