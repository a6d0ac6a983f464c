"""`memem hook EVENT`: run a Claude Code hook (SessionStart, UserPromptSubmit, Stop) on the JSON on stdin."""

from __future__ import annotations

import argparse

from memem.cli.context import Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "hook",
        help="run a Claude Code hook on the event JSON on stdin (what hooks/hooks.json calls)",
        description="Handle one Claude Code hook event. Always exits 0 and prints only what Claude Code accepts; "
        "errors go to MEMEM_DIR/logs/hooks.log.",
    )
    p.add_argument("event", choices=("SessionStart", "UserPromptSubmit", "Stop"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.cli.hook_entry import run as run_hook

    return run_hook(args.event, vault=ctx.vault_arg)
