"""`memem init DIR`: a new vault from the starter template, or memem's folder added to an existing one."""

from __future__ import annotations

import argparse
from pathlib import Path

from memem.cli.context import CommandError, Context, StateUnwritable, UsageError
from memem.settings import settings
from memem.vault.template import PLUGIN_DIR, PLUGIN_LIST, TemplateMissing, copy_missing, template_dir


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="create a vault from the starter template (or add memem to an existing vault)",
        description="Create DIR as a new vault from memem's starter template: a memories folder with a few "
        "guide notes and an example project, and Obsidian settings with the memem plugin enabled. On an "
        "existing vault only what is missing is added; no note or setting of yours is changed. The one "
        f"exception is memem's own Obsidian plugin code ({PLUGIN_DIR}: main.js, manifest.json, styles.css), "
        "which is updated to this version's and reported as updated; the plugin's settings (data.json) are "
        "kept. DIR becomes the default vault for later commands. DIR cannot be the filesystem's root, your "
        "home folder, or memem's state folder (MEMEM_DIR).",
    )
    p.add_argument("dir", nargs="?", help="the vault folder (default: --vault / MEMEM_VAULT)")
    p.add_argument("--no-default", action="store_true", help="do not record DIR as the default vault")
    p.set_defaults(run=run)


def _refused(vault: Path) -> str | None:
    """Why `vault` cannot be a vault: memem would watch, index and write into far more than notes."""
    home = Path.home().expanduser().resolve()
    state = settings().home.expanduser().resolve()
    if vault == Path(vault.anchor):
        return f"{vault} is the filesystem's root: give a folder of its own for the vault"
    if vault == home:
        return f"{vault} is your home folder: give a folder of its own for the vault (e.g. {home / 'memem-vault'})"
    if vault == state:
        return f"{vault} is memem's state folder (MEMEM_DIR): give a folder of its own for the vault"
    if state in vault.parents:
        return f"{vault} is inside memem's state folder (MEMEM_DIR={state}): give a folder outside it"
    if vault in state.parents:
        return (
            f"memem's state folder (MEMEM_DIR={state}) is inside {vault}: its token and indexes would be part "
            "of the vault (and of whatever syncs it); give another folder, or move MEMEM_DIR"
        )
    return None


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.config import write_config

    if args.dir is not None and not args.dir.strip():
        raise UsageError("the vault folder is empty: `memem init DIR`")
    chosen = args.dir or ctx.vault_arg
    if not chosen:
        chosen = settings().vault
    if not chosen:
        raise UsageError("say where: `memem init DIR`")
    vault = Path(chosen).expanduser().resolve()
    refused = _refused(vault)
    if refused:
        raise CommandError(f"not a place for a vault: {refused}")
    if vault.exists() and not vault.is_dir():
        raise CommandError(f"{vault} exists and is not a folder")
    try:
        existed = vault.exists() and any(vault.iterdir())
        vault.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the vault folder {vault}: {exc.strerror or exc}") from None
    try:
        added, updated, kept, skipped = copy_missing(template_dir(), vault)
    except TemplateMissing as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write into the vault {vault} ({exc.filename}: {exc.strerror or exc})") from None
    if not args.no_default:
        try:
            write_config({"default_vault": str(vault)})
        except OSError as exc:
            raise CommandError(
                f"the vault {vault} is ready, but it could not be recorded as the default: "
                f"{StateUnwritable(settings().home, exc)}; pass --vault {vault} (or set MEMEM_VAULT) meanwhile"
            ) from None
    what = "added memem to the existing vault" if existed else "created a new vault"
    print(
        f"{what} {vault}: {len(added)} files added"
        + (f", {len(updated)} updated (memem's Obsidian plugin, to this version)" if updated else "")
        + (f", {len(kept)} existing files left as they were" if kept else "")
        + (f", {len(skipped)} starter notes not brought back (renamed or deleted here)" if skipped else "")
    )
    if PLUGIN_LIST in kept and '"memem"' not in (vault / PLUGIN_LIST).read_text(errors="replace"):
        print("the memem Obsidian plugin is installed; turn it on in Settings → Community plugins")
    print("next: `memem serve` to start the daemon, then open the folder as a vault in Obsidian")
    return 0
