"""`memem init DIR`: a new vault from the starter template, or memem's folder added to an existing one."""

from __future__ import annotations

import argparse
from pathlib import Path

from memem.cli.context import CommandError, Context
from memem.settings import settings
from memem.vault.template import PLUGIN_LIST, TemplateMissing, copy_missing, template_dir


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


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.config import write_config

    chosen = args.dir or ctx.vault_arg
    if not chosen:
        chosen = settings().vault
    if not chosen:
        raise CommandError("say where: `memem init DIR`")
    vault = Path(chosen).expanduser().resolve()
    if vault.exists() and not vault.is_dir():
        raise CommandError(f"{vault} exists and is not a folder")
    existed = vault.exists() and any(vault.iterdir())
    vault.mkdir(parents=True, exist_ok=True)
    try:
        added, kept = copy_missing(template_dir(), vault)
    except TemplateMissing as exc:
        raise CommandError(str(exc)) from None
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
