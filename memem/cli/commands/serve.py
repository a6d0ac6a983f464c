"""`memem serve`: run the daemon for a vault in the foreground (Ctrl-C or SIGTERM stops it)."""

from __future__ import annotations

import argparse

from memem.cli.context import CommandError, Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the daemon: reconcile, watch the vault, answer hooks, MCP and the plugin",
        description="Run the daemon that owns the vault's indexes: it reconciles on start, follows every "
        "edit in the vault within a second, and answers the hooks, the MCP server, the Obsidian plugin and "
        "the CLI over loopback HTTP (token in MEMEM_DIR/token). One daemon per vault. It exits (status 1) "
        "if the vault's folder goes away, leaving the indexes as they were.",
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=0,
        help="loopback port, 1-65535 (default: any free port, published in daemon.json)",
    )
    p.add_argument("--quiet", action="store_true", help="log to the log file only, not to stderr")
    p.set_defaults(run=run)


def port_number(text: str) -> int:
    """A TCP port (0: any free one), checked when the command line is read, before a model loads."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535 (or 0 for any free port)")
    return port


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.daemon.serve import PortUnavailable, serve
    from memem.sync.lock import LockHeld, VaultServed

    try:
        return serve(ctx.paths, port=args.port, log_to_stderr=not args.quiet)
    except (LockHeld, VaultServed, PortUnavailable) as exc:
        raise CommandError(f"not starting: {exc}") from None
