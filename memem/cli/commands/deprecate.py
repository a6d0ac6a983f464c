"""`memem deprecate ID`: retire a memory (status deprecated, valid_to today), optionally naming its successor."""

from __future__ import annotations

import argparse

from memem.cli.context import Context, no_secret_ids, non_empty, op, print_json
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deprecate",
        help="retire a memory that no longer holds (it stays in the vault, out of recall)",
        description="Set `status: deprecated` and `valid_to` to today on a memory. With --successor, the successor "
        "gets a `supersedes` link to it. Only the keys that change are edited; the rest of the note stays as it is.",
    )
    p.add_argument("id", type=non_empty, help="the memory to retire")
    p.add_argument("--successor", help="id of the memory that replaces it")
    p.add_argument("--reason", help="one line on why (kept as `deprecated_reason`)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    no_secret_ids([args.id] + ([args.successor] if args.successor else []))
    payload = {"id": args.id, "successor": args.successor, "reason": args.reason}
    result = op(ctx, "deprecate", payload, options={"id": "ID", "successor": "--successor", "reason": "--reason"})
    if args.json:
        print_json(result)
        return 0
    old = result["deprecated"]
    print(f"deprecated “{inline(old['title'])}” [{inline(old['id'])}] (valid to {old['valid_to']})")
    if "successor" in result:
        print(f"superseded by “{inline(result['successor']['title'])}” [{inline(result['successor']['id'])}]")
    return 0
