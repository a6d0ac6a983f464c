"""The starter vault: where memem's template lives, and copying it into a vault without overwriting.

Used by `memem init` and by the first hook of a first session (which creates the vault by itself), so
it sits with the vault layer rather than in either caller. Standard library only: the hook imports it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from memem.settings import settings

# memem's own Obsidian plugin: its code is refreshed on every copy (the person's settings, in data.json,
# are not part of the template and are never touched). Everything else is copied only when missing.
PLUGIN_DIR = ".obsidian/plugins/memem/"
PLUGIN_LIST = ".obsidian/community-plugins.json"


class TemplateMissing(FileNotFoundError):
    """memem's starter vault is not where this installation should have it."""


def template_dir() -> Path:
    """The starter vault: in the Claude Code plugin's folder, beside the package in a checkout, or shared data."""
    here = Path(__file__).resolve()
    plugin_root = settings().plugin_root
    candidates = [plugin_root / "vault-template"] if plugin_root else []
    candidates += [here.parents[2] / "vault-template", Path(sys.prefix) / "share" / "memem" / "vault-template"]
    for candidate in candidates:
        if (candidate / "memem" / "memories").is_dir():
            return candidate
    raise TemplateMissing("memem's vault template is missing from this installation; reinstall memem")


def copy_missing(source: Path, target: Path) -> tuple[list[str], list[str]]:
    """Copy files that do not exist yet; never overwrite a note or setting. Returns (added, kept)."""
    added, kept = [], []
    for path in sorted(source.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(source)
        dest = target / rel
        refresh = rel.as_posix().startswith(PLUGIN_DIR) and dest.is_file() and dest.read_bytes() != path.read_bytes()
        if dest.exists() and not refresh:
            kept.append(rel.as_posix())
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        added.append(rel.as_posix())
    return added, kept
