"""`memem init DIR`: a new vault from the starter template, or memem's folder added to an existing one."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from memem.cli.context import CommandError, Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="create a vault from the starter template (or add memem to an existing vault)",
        description="Create DIR as a new vault from memem's starter template: a memories folder with a few "
        "guide notes and an example project, and Obsidian settings with the memem plugin enabled. On an "
        "existing vault only what is missing is added; no existing file is changed. DIR becomes the default "
        "vault for later commands.",
    )
    p.add_argument("dir", nargs="?", help="the vault folder (default: --vault / MEMEM_VAULT)")
    p.add_argument("--no-default", action="store_true", help="do not record DIR as the default vault")
    p.set_defaults(run=run)


def template_dir() -> Path:
    """The starter vault: in the Claude Code plugin's folder, beside the package in a checkout, or shared data."""
    import os

    here = Path(__file__).resolve()
    plugin_root = os.environ.get("MEMEM_PLUGIN_ROOT")
    candidates = [Path(plugin_root) / "vault-template"] if plugin_root else []
    candidates += [here.parents[3] / "vault-template", Path(sys.prefix) / "share" / "memem" / "vault-template"]
    for candidate in candidates:
        if (candidate / "memem" / "memories").is_dir():
            return candidate
    raise CommandError("memem's vault template is missing from this installation; reinstall memem")


# memem's own Obsidian plugin: its code is refreshed on every init (the person's settings, in data.json,
# are not part of the template and are never touched). Everything else is copied only when missing.
PLUGIN_DIR = ".obsidian/plugins/memem/"
PLUGIN_LIST = ".obsidian/community-plugins.json"


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


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.config import write_config

    chosen = args.dir or ctx.vault_arg
    if not chosen:
        import os

        chosen = os.environ.get("MEMEM_VAULT")
    if not chosen:
        raise CommandError("say where: `memem init DIR`")
    vault = Path(chosen).expanduser().resolve()
    if vault.exists() and not vault.is_dir():
        raise CommandError(f"{vault} exists and is not a folder")
    existed = vault.exists() and any(vault.iterdir())
    vault.mkdir(parents=True, exist_ok=True)
    added, kept = copy_missing(template_dir(), vault)
    if not args.no_default:
        write_config({"default_vault": str(vault)})
    what = "added memem to the existing vault" if existed else "created a new vault"
    print(
        f"{what} {vault}: {len(added)} files added"
        + (f", {len(kept)} existing files left as they were" if kept else "")
    )
    if PLUGIN_LIST in kept and '"memem"' not in (vault / PLUGIN_LIST).read_text(errors="replace"):
        print("the memem Obsidian plugin is installed; turn it on in Settings → Community plugins")
    print("next: `memem serve` to start the daemon, then open the folder as a vault in Obsidian")
    return 0
