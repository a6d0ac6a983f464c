"""`memem slice QUERY`: the compact markdown memem would inject for a prompt (Working + Relevant)."""

from __future__ import annotations

import argparse
from typing import Any

from memem.cli.context import CommandError, Context, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "slice",
        help="show the active memory slice for a prompt: pinned notes, tensions, and the relevant memories",
        description="Render the active memory slice for QUERY within a token budget, exactly as the Claude Code "
        "hook and the MCP tool do: a Working section (pinned layer-0 notes of the project, open contradictions) "
        "and a Relevant section (title, one-line snippet, id). Archived (layer 3) notes are left out.",
    )
    p.add_argument("query", help="the prompt or question")
    p.add_argument("--project", "-p", help="project scope (its layer-0 notes are pinned)")
    p.add_argument("--budget", type=int, default=600, help="token budget (default 600)")
    p.add_argument("--limit", "-k", type=int, default=8, help="most relevant memories to consider (default 8)")
    p.add_argument("--json", action="store_true", help="print markdown, shown ids, token count and hits as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if not args.query.strip():
        raise CommandError("nothing to recall for: give a QUERY")
    payload: dict[str, Any] = {"query": args.query, "project": args.project, "limit": args.limit, "budget": args.budget}
    info = ctx.daemon()
    if info is not None:
        result = ctx.call(info, "POST", "/v1/slice", payload)
    else:
        from memem.errors import BadRequest
        from memem.recall.query import parse_query
        from memem.recall.search import search
        from memem.recall.slice import render

        try:
            query = parse_query({**payload, "include_archive": False})
        except BadRequest as exc:
            raise CommandError(str(exc)) from None
        with ctx.open_store(reconcile=True) as store:
            hits = search(store, query)
            rendered = render(hits, args.budget, query.project)
        result = {"markdown": rendered.markdown, "shown": list(rendered.shown), "tokens": rendered.tokens,
                  "hits": [h.as_dict() for h in hits]}  # fmt: skip
    if args.json:
        print_json(result)
    elif result["markdown"]:
        print(result["markdown"])
    else:
        print("(nothing to recall)")
    return 0
