"""`memem merge-driver BASE OURS THEIRS PATH`: git's merge driver for memory notes (see memem.teams.merge_driver).

`memem team add` and `memem team init` register it in a team clone; git runs it, not a person.
"""

from __future__ import annotations

import argparse

from memem.cli.context import Context


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "merge-driver",
        help="merge two edits of a memory note (git runs this in a team vault)",
        description="Git's merge driver for memory notes: typed-link lists merge as unions; two edits of the "
        "text that overlap become two notes linked `contradicts` (exit status 1, so the merge stops for them "
        "to be committed), never conflict markers in a note. Registered by `memem team add` as "
        "`memem merge-driver %%O %%A %%B %%P`.",
    )
    p.add_argument("base", metavar="BASE", help="the common ancestor's version (git's %%O)")
    p.add_argument("ours", metavar="OURS", help="our version; the result is written here (git's %%A)")
    p.add_argument("theirs", metavar="THEIRS", help="their version (git's %%B)")
    p.add_argument("path", metavar="PATH", help="the note's path in the repository (git's %%P)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.merge_driver import run_driver

    return run_driver(args.base, args.ours, args.theirs, args.path)
