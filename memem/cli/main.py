"""The `memem` command: a thin parser; each subcommand lives in its own module under cli/commands.

argparse rather than click: it is in the standard library and imports in a third of the time, which
matters for `memem hook …`, run by Claude Code before every prompt. Command modules import nothing
heavy at module level; their work is imported when they run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from memem import __version__

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


COMMANDS = (
    "init",
    "serve",
    "index",
    "status",
    "doctor",
    "search",
    "slice",
    "save",
    "get",
    "deprecate",
    "graph",
    "mcp",
    "mine",
    "hook",
    "eval",
    "undo",
    "consolidate",
    "playbook",
    "team",
    "merge-driver",
)


SPEAKS_A_PROTOCOL = frozenset({"mcp", "hook", "serve", "merge-driver"})
"""Commands whose stdout a program reads (JSON-RPC, a hook's answer, git's merge driver): written as is.
Every other command's stdout is for a person, and shows a note's text without letting it act on the
terminal (`memem.terminal`)."""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="memem",
        description="Persistent, self-curating memory for Claude Code, kept as markdown in an Obsidian vault.",
        epilog="The vault comes from --vault, else MEMEM_VAULT, else the one `memem init` recorded. "
        "State (indexes, token, logs) lives in MEMEM_DIR (default ~/.memem).",
    )
    parser.add_argument(
        "--vault", metavar="DIR", help="the Obsidian vault (default: $MEMEM_VAULT or the last `memem init`)"
    )
    parser.add_argument("--version", action="version", version=f"memem {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"memem.cli.commands.{name.replace('-', '_')}")
        module.add_parser(sub)
    return parser


def _unrepeated(message: str) -> str:
    """An error's message with any secret in it redacted, for every command in one place: a message may
    name what the person typed (a key, a team, a project), and a terminal's scrollback is a log too."""
    from memem.vault.secrets import redact

    return redact(message)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if len(args_list) == 2 and args_list[0] == "hook" and not args_list[1].startswith("-"):
        # The hot path: Claude Code runs this before every prompt. Skip the parser and its imports.
        from memem.cli.hook_entry import run as run_hook

        return run_hook(args_list[1])
    from memem.cli.context import CommandError, Context
    from memem.errors import MememError
    from memem.terminal import PrintableOutput, printable

    parser = build_parser()
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 2
    ctx = Context(vault_arg=args.vault)
    stdout = sys.stdout
    if args.command not in SPEAKS_A_PROTOCOL:
        sys.stdout = PrintableOutput(stdout)
    try:
        return int(args.run(args, ctx) or 0)
    except CommandError as exc:
        print(f"memem: {printable(_unrepeated(str(exc)))}", file=sys.stderr)
        return exc.code
    except MememError as exc:  # the error table (memem.errors), from a command that ran the service itself
        print(f"memem: {printable(_unrepeated(str(exc)))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("memem: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `memem search … | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        sys.stdout = stdout
