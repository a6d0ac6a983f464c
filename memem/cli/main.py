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
    import typing


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


USAGE = 2
"""Exit status of a command line memem cannot act on (argparse's own, and every usage check after it);
1 is a failure or, for `doctor`, problems found; 0 is success."""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    class Parser(argparse.ArgumentParser):
        """argparse's parser with its error message screened: argparse repeats the value it rejects
        (`invalid int value: 'ghp_…'`), and a secret typed in the wrong place must not be shown."""

        def error(self, message: str) -> typing.NoReturn:
            from memem.terminal import printable

            self.print_usage(sys.stderr)
            self.exit(USAGE, f"{self.prog}: error: {printable(_unrepeated(message))}\n")

    parser = Parser(
        prog="memem",
        description="Persistent, self-curating memory for Claude Code, kept as markdown in an Obsidian vault.",
        epilog="The vault comes from --vault, else MEMEM_VAULT, else the one `memem init` recorded. "
        "State (indexes, token, logs) lives in MEMEM_DIR (default ~/.memem). "
        "Exit status: 0 success, 1 failure (for `doctor`: problems found), 2 a usage error.",
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


def _not_text(args: Sequence[str]) -> str | None:
    """Why a command line cannot be used, when an argument is not valid text: bytes that are not UTF-8
    reach Python as lone surrogates, which no note, index, JSON body or terminal can hold."""
    for n, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = _unrepeated(arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
            before = args[n - 2] if n > 1 else ""
            which = f"the value of {before}" if before.startswith("-") and "=" not in before else f"argument {n}"
            return (
                f"{which} '{shown}' is not valid UTF-8 text (bytes shown as \\xNN): memem takes text only; "
                "give it in UTF-8"
            )
    return None


def _os_error(exc: OSError) -> str:
    """An operating-system failure as one line: what failed, on which path, and why."""
    where = f" {exc.filename}" if exc.filename else ""
    why = exc.strerror or type(exc).__name__
    hint = ""
    if isinstance(exc, PermissionError) or exc.errno == 30:  # EROFS: a read-only file system
        hint = " (memem needs to write there: make it writable, or choose another --vault / MEMEM_DIR)"
    return f"cannot use{where}: {why}{hint}"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if len(args_list) == 2 and args_list[0] == "hook" and not args_list[1].startswith("-"):
        # The hot path: Claude Code runs this before every prompt. Skip the parser and its imports.
        from memem.cli.hook_entry import run as run_hook

        return run_hook(args_list[1])
    from memem.cli.blas import one_blas_thread

    one_blas_thread()  # before anything imports numpy
    from memem.cli.context import CommandError, Context
    from memem.errors import MememError
    from memem.terminal import PrintableOutput, printable

    def say(message: str) -> None:
        print(f"memem: {printable(_unrepeated(message))}".replace("\n", " "), file=sys.stderr)

    not_text = _not_text(args_list)
    if not_text:
        say(not_text)
        return USAGE
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return USAGE
    if args.vault is not None and not args.vault.strip():
        say("--vault is empty: give the vault's folder")
        return USAGE
    ctx = Context(vault_arg=args.vault)
    stdout = sys.stdout
    if args.command not in SPEAKS_A_PROTOCOL:
        sys.stdout = PrintableOutput(stdout)
    try:
        return int(args.run(args, ctx) or 0)
    except CommandError as exc:
        say(str(exc))
        return exc.code
    except MememError as exc:  # the error table (memem.errors), from a command that ran the service itself
        say(str(exc))
        return 1
    except BrokenPipeError:
        # `memem search … | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder that cannot be created or written (read-only, not a folder, …)
        say(_os_error(exc))
        return 1
    except KeyboardInterrupt:
        print("memem: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last resort: one line, never a traceback (which may quote a secret)
        say(f"unexpected error ({type(exc).__name__}: {str(exc)[:300]}); please report it")
        return 1
    finally:
        sys.stdout = stdout
