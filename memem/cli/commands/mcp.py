"""`memem mcp`: the stdio MCP server (what Claude Code launches from .mcp.json)."""

from __future__ import annotations

import argparse
import sys

from memem.cli.context import CommandError, Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve memem's memory tools over MCP on stdin/stdout (starts the daemon if needed)",
        description="Serve the MCP memory tools on stdin/stdout for Claude Code or any MCP client. The tools run "
        "in the daemon (started here if it is not running); this process relays to its Streamable HTTP endpoint.",
    )
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the daemon to start (default 60)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.config import load_or_create_token
    from memem.server.mcp_stdio import run as relay
    from memem.server.spawn import spawn_daemon

    info = spawn_daemon(ctx.paths, wait=args.wait)
    if info is None:
        raise CommandError(f"the daemon did not start within {args.wait:.0f}s; see {ctx.paths.log_dir}/spawn.log")
    print(f"memem mcp: relaying to {info.url}/mcp (daemon pid {info.pid})", file=sys.stderr)
    relay(f"{info.url}/mcp", load_or_create_token(ctx.paths.home))
    return 0
