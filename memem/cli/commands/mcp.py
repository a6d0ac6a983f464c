"""`memem mcp`: the stdio MCP server (what Claude Code launches from .mcp.json)."""

from __future__ import annotations

import argparse

from memem.cli.context import Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve memem's memory tools over MCP on stdin/stdout (starts the daemon if needed)",
        description="Serve the MCP memory tools on stdin/stdout for Claude Code or any MCP client. The tools run "
        "in the daemon (started here if it is not running); this process relays each message to its /mcp "
        "endpoint and exits when stdin closes.",
    )
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the daemon to start (default 60)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.client.relay import run as relay
    from memem.vault.template import first_run_paths

    # Claude Code starts this with the first session's hooks: on a first run there may be no vault
    # yet, and whichever comes first creates it (the hook says where).
    return relay(first_run_paths(ctx.vault_arg), args.wait)
