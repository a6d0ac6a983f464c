"""The starter vault: where memem's template lives, and copying it into a vault without overwriting.

Used by `memem init` and by the first hook of a first session (which creates the vault by itself), so
it sits with the vault layer rather than in either caller. Standard library only: the hook imports it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from memem.config import DEFAULT_MEMORIES, ConfigError, Paths, private_dir, read_config, write_config
from memem.settings import settings

# memem's own Obsidian plugin: its code is refreshed on every copy (the person's settings, in data.json,
# are not part of the template and are never touched). Everything else is copied only when missing.
PLUGIN_DIR = ".obsidian/plugins/memem/"
PLUGIN_LIST = ".obsidian/community-plugins.json"


class TemplateMissing(FileNotFoundError):
    """memem's starter vault is not where this installation should have it."""


STARTER = Path(__file__).resolve().parent / "starter"
"""The starter vault ships inside the package, so every way of installing memem has it: a checkout,
the Claude Code plugin, a wheel from `pip install`."""


def template_dir() -> Path:
    """The starter vault (its notes, and the Obsidian plugin as built)."""
    if (STARTER / "memem" / "memories").is_dir():
        return STARTER
    raise TemplateMissing(f"memem's starter vault is missing from this installation ({STARTER}); reinstall memem")


def copy_missing(source: Path, target: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """Copy the files that do not exist yet, and refresh memem's own plugin code (PLUGIN_DIR) where it
    differs; never overwrite a note or setting. Returns (added, updated, kept, skipped) relative paths.

    The starter memories are copied into a vault without a memories folder only (`skipped` otherwise):
    where memem has lived, a starter note that is missing was renamed or deleted by the person, and
    bringing it back made a second note with its id (or undid the deletion)."""
    added: list[str] = []
    updated: list[str] = []
    kept: list[str] = []
    skipped: list[str] = []
    lived_in = (target / DEFAULT_MEMORIES).is_dir()
    for path in sorted(source.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(source)
        dest = target / rel
        refresh = rel.as_posix().startswith(PLUGIN_DIR) and dest.is_file() and dest.read_bytes() != path.read_bytes()
        if dest.exists() and not refresh:
            kept.append(rel.as_posix())
            continue
        if lived_in and rel.as_posix().startswith(f"{DEFAULT_MEMORIES}/"):
            skipped.append(rel.as_posix())
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        (updated if refresh else added).append(rel.as_posix())
    return added, updated, kept, skipped


def first_run_paths(vault_arg: str | None = None) -> Paths:
    """The vault's paths; on a first run with no vault anywhere, create the default one from the starter.

    The first hook of a first session and `memem mcp` (which Claude Code starts at the same moment) both
    come here; under a lock, whichever is first creates it and the other finds it made, and the hook
    tells the person where it is (`vault_notice`).
    """
    try:
        return Paths.resolve(vault_arg)
    except ConfigError:
        pass
    import fcntl
    import os

    home = private_dir(settings().home)
    fd = os.open(home / "first-run.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            return Paths.resolve(vault_arg)  # made meanwhile by the other one
        except ConfigError:
            pass
        vault = settings().default_vault
        copy_missing(template_dir(), vault)
        write_config({"default_vault": str(vault), "vault_announced": False})
        return Paths.resolve(vault)
    finally:
        os.close(fd)


def vault_notice() -> str | None:
    """Once, after a first run created the vault: where it is."""
    config = read_config()
    if config.get("vault_announced") is not False:
        return None
    write_config({"vault_announced": True})
    vault = config.get("default_vault")
    return f"memem created its vault at {vault}: open that folder in Obsidian to see and curate memories."
