"""`memem get ID…`: full memories by id."""

from __future__ import annotations

import argparse

from memem.cli.context import Context, no_secret_ids, non_empty, op, print_json
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("get", help="print memories in full, by id")
    p.add_argument("ids", nargs="+", metavar="ID", type=non_empty, help="memory ids (or note names)")
    p.add_argument("--json", action="store_true", help="print properties and content as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    no_secret_ids(args.ids)
    notes = op(ctx, "get", {"ids": args.ids}, options={"ids": "ID"})
    if args.json:
        print_json(notes)
        return 0
    for n, note in enumerate(notes):
        if n:
            print()
        scope = note["project"] or "global"
        print(f"# {inline(note['title'])}  [{inline(note['id'])}]")
        print(f"{note['kind']} · layer {note['layer']} · {inline(scope)} · {note['status']} · {inline(note['path'])}")
        print()
        print(note["content"])
    return 0
