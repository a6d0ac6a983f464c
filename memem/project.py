"""Which project a working directory belongs to: the scope recall favours and mining writes to.

The git root's folder name, so every sub-folder of a repository shares one project. Overridable:
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


def project_of(cwd: str | os.PathLike[str] | None) -> str | None:
    """The project name for a working directory, or None (global) for the home folder or root."""
    override = settings().project
    if override:
        return _safe(override)
    if not cwd:
        return None
    path = Path(cwd).expanduser()
    root = git_root(path) if path.exists() else None
    base = root or path
    marker = base / OVERRIDE_FILE
    if marker.is_file():
        try:
            named = marker.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError):
            named = []
        if named and _safe(named[0]):
            return _safe(named[0])
    if base in (Path.home(), Path(base.anchor)):
        return None
    return _safe(base.name)
