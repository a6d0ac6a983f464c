"""`memem playbook PROJECT`: the project's briefing note, shown at the start of each of its sessions."""

from __future__ import annotations

import argparse
import shlex

from memem.cli.context import CommandError, Context, UsageError, op
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "playbook",
        help="a project's briefing note, shown at session start: create it from the project's top memories",
        description="A playbook is memem/playbooks/PROJECT.md in the vault: a briefing the person curates, shown "
        "(within its share of the token budget) before the pinned notes at the start of every session of the "
        "project. --create writes a first version from the project's top memories; memem never rewrites it.",
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--create", action="store_true", help="write a first version from the project's top memories")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.memory.screen import refuse_secret_name
    from memem.vault.playbooks import playbook_file, playbook_withheld, read_playbook

    if not args.project.strip():
        raise UsageError("give the project's name (PROJECT is empty)")
    refuse_secret_name(args.project, "the project's name")  # it would be printed back, and name a file
    if args.create:
        created = op(ctx, "playbook_create", {"project": args.project})
        print(f"created {inline(created['path'])}: edit it in Obsidian; sessions of {args.project} start with it")
        return 0
    text = read_playbook(ctx.paths.vault, args.project)
    if not text:
        why = playbook_withheld(ctx.paths.vault, args.project)
        if why:
            raise CommandError(f"{why}; fix it in Obsidian")
        where = playbook_file(ctx.paths.vault, args.project).relative_to(ctx.paths.vault)
        start = f"memem playbook {shlex.quote(args.project)} --create"
        raise CommandError(f"no playbook for {args.project} ({where}); start one with `{start}`")
    print(text)
    return 0
