"""`memem undo [N]`: revert the last operations memem made on notes (saves, deprecations, links, mining,
consolidation), where nothing changed since; `--list` shows what can be undone."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from memem.cli.context import Context, UsageError, non_empty, op, print_json

MOST = 50
"""The most operations one undo reverts (the daemon's bound too)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "undo",
        help="revert the last operations memem made on notes (never over a later edit)",
        description="Reverts the newest operations in memem's event log: a changed note gets its earlier text "
        "back, a created note goes to the vault's .trash folder. A note edited since (in Obsidian, by a sync) "
        "is left as it is and that operation is not undone.",
    )
    p.add_argument("count", nargs="?", type=int, metavar="N", help="how many operations (default 1)")
    p.add_argument(
        "--list", action="store_true",
        help="show the operations that can be undone, newest first (and older ones, no longer undoable)",
    )  # fmt: skip
    which = p.add_mutually_exclusive_group()  # argparse refuses both, exit status 2: the one check of it
    which.add_argument(
        "--id", metavar="ID", type=non_empty,
        help="undo this one operation (its id, or a start of it, from --list), past newer ones a later edit blocks",
    )  # fmt: skip
    which.add_argument("--redo", action="store_true", help="make again what the newest undo reverted")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def _shown(value: Any, key: str = "") -> Any:
    """What the daemon answered, as it may be printed: every text in it (a note's path, title, id, why
    an operation was left) with any secret redacted. A note a person named after its title can carry a
    key in its file name, and a terminal's scrollback, or a pipe's reader, is a log too. Operation ids
    are memem's own hex and are shown as they are, so `--id` can still be given them."""
    from memem.vault.secrets import redact

    if isinstance(value, str):
        return value if key == "batch" else redact(value)
    if isinstance(value, list):
        return [_shown(item, key) for item in value]
    if isinstance(value, dict):
        return {name: _shown(item, name) for name, item in value.items()}
    return value


def _line(batch: dict[str, object]) -> str:
    when = dt.datetime.fromtimestamp(float(batch["at"])).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
    notes = batch["notes"]
    count = len(notes) if isinstance(notes, list) else 0
    old = "" if batch.get("undoable", True) else ", too old to undo: its replaced text is forgotten"
    ident = str(batch.get("batch", ""))[:8]
    return f"{ident}  {when}  {batch['op']:<11} {batch['summary']}  ({count} note{'s' if count != 1 else ''}{old})"


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.count is not None and (args.id is not None or args.redo):
        raise UsageError("give N, or --id, or --redo: one of them")
    args.count = 1 if args.count is None else args.count
    if not 1 <= args.count <= MOST:
        raise UsageError(f"N must be from 1 to {MOST}")
    if args.list:
        batches = _shown(op(ctx, "history", {"limit": max(args.count, 10)}, options={"limit": "N"}))
        if args.json:
            print_json(batches)
        elif not batches:
            print("nothing to undo")
        for batch in [] if args.json else batches:
            print(_line(batch))
        return 0
    if args.id is not None or args.redo:
        done = _shown(
            op(ctx, "redo", {}) if args.redo else op(ctx, "undo_batch", {"batch": args.id}, options={"batch": "--id"})
        )
        if args.json:
            print_json(done)
            return 0
        for batch in done["undone"]:
            print(f"{'redid' if args.redo else 'undid'}: {_line(batch)}")
        for batch in done["skipped"]:
            print(f"left as it is: {_line(batch)} ({batch['why']})")
        return 0
    undone = _shown(op(ctx, "undo", {"count": args.count}, options={"count": "N"}))
    if args.json:
        print_json(undone)
        return 0
    for batch in undone:
        print(f"undid: {_line(batch)}")
    return 0
