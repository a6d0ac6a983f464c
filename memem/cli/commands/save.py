"""`memem save CONTENT`: write one memory (screened, classified, de-duplicated, indexed at once)."""

from __future__ import annotations

import argparse
import sys

from memem.cli.context import CommandError, Context, UsageError, op, print_json, utf8_or_error
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "save",
        help="save a memory (use - to read the content from stdin)",
        description="Save one memory as a note in the vault. Secrets and text addressed to the model are refused; "
        "kind and layer are chosen when not given (never layer 0); a memory that already exists is not written again.",
    )
    p.add_argument("content", help="the lesson, or - to read it from stdin")
    p.add_argument("--title", help="a short title that states the lesson")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    p.add_argument("--project", "-p", help="the project it applies to (default: global)")
    p.add_argument("--kind", help="decision, convention, bugfix, preference, failure, fact, …")
    p.add_argument(
        "--layer", type=int, choices=(0, 1, 2, 3), help="0 identity (pinned) · 1 general · 2 domain · 3 archival"
    )
    p.add_argument("--importance", type=int, choices=range(1, 6), help="1–5")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    content = utf8_or_error(sys.stdin.read(), "the content read from stdin") if args.content == "-" else args.content
    if not content.strip():
        raise UsageError("nothing to save: the content is empty")
    payload = {
        "content": content, "title": args.title, "tags": args.tag, "project": args.project, "kind": args.kind,
        "layer": args.layer, "importance": args.importance,
    }  # fmt: skip
    options = {"content": "CONTENT", "title": "--title", "tags": "--tag", "project": "--project", "kind": "--kind",
               "layer": "--layer", "importance": "--importance"}  # fmt: skip
    saved = op(ctx, "save", payload, options=options)
    if args.json:
        print_json(saved)
        return 1 if saved.get("quarantined") else 0
    if saved.get("quarantined"):
        raise CommandError(
            f"not saved as a memory: {saved['quarantined']}. It is in quarantine for you to review: "
            f"{saved['path']} (move it into the memories folder to keep it)"
        )
    where = inline(saved["path"])
    if saved.get("duplicate_of"):
        print(f"already remembered as “{inline(saved['title'])}” [{saved['id']}] ({where}); nothing written")
    else:
        print(f"saved “{inline(saved['title'])}” [{saved['id']}] as a {saved['kind']}, layer {saved['layer']}: {where}")
    return 0
