"""`memem slice PROMPT`: what the UserPromptSubmit hook would inject for a prompt, or why nothing."""

from __future__ import annotations

import argparse
import os
from typing import Any

from memem.cli.context import CommandError, Context, UsageError, print_json

BUDGET_RANGE = (50, 20_000)
"""Token budgets the daemon takes (`daemon/http.py:budget_of`): checked here, before any work."""
OPTIONS = {"budget": "--budget", "limit": "--limit", "project": "--project", "query": "PROMPT", "prompt": "PROMPT"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from memem.hooks.events import BUDGET_TOKENS

    p = sub.add_parser(
        "slice",
        help="show what the prompt hook would inject for a prompt (or, with --all, the whole ranked slice)",
        description="Show exactly what the Claude Code UserPromptSubmit hook would add to PROMPT: the memories "
        "that clear the relevance floor, rendered as the hook renders them, or nothing (with the reason: a "
        "trivial prompt such as 'yes', or no memory relevant enough). The project defaults to the one of the "
        "current folder, as the hook's does. --all shows the unfiltered slice instead (the Working section of "
        "pinned notes and open contradictions, and every ranked memory within the budget), as the "
        "`active_memory_slice` MCP tool returns it.",
    )
    p.add_argument("query", metavar="PROMPT", help="the prompt (or, with --all, any question)")
    p.add_argument("--project", "-p", help="project scope (default: the current folder's project)")
    p.add_argument(
        "--budget", type=int, default=BUDGET_TOKENS, help=f"token budget, 50 to 20,000 (default {BUDGET_TOKENS})"
    )
    p.add_argument("--all", action="store_true", help="the unfiltered slice, not only what clears the floor")
    p.add_argument("--limit", "-k", type=int, default=8, help="with --all: memories to consider (default 8)")
    p.add_argument("--json", action="store_true", help="print markdown, shown ids, tokens and reason as JSON")
    p.set_defaults(run=run)


def _injection(ctx: Context, prompt: str, project: str | None, budget: int) -> dict[str, Any]:
    info = ctx.daemon()
    if info is not None:
        payload = {"prompt": prompt, "project": project, "budget": budget}
        return dict(ctx.call(info, "POST", "/v1/inject", payload, options=OPTIONS))
    from memem.recall.inject import inject

    with ctx.open_store(reconcile=True) as store:
        injected = inject(store, prompt, project, budget)
    return {"markdown": injected.markdown, "shown": list(injected.shown), "reason": injected.reason}


def _whole_slice(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    info = ctx.daemon()
    if info is not None:
        return dict(ctx.call(info, "POST", "/v1/slice", payload, options=OPTIONS))
    from memem.errors import BadRequest
    from memem.recall.query import parse_query
    from memem.recall.search import search
    from memem.recall.slice import render

    try:
        query = parse_query({**payload, "include_archive": False})
    except BadRequest as exc:
        from memem.cli.context import in_words

        raise CommandError(in_words(str(exc), OPTIONS)) from None
    with ctx.open_store(reconcile=True) as store:
        hits = search(store, query)
        rendered = render(hits, payload["budget"], query.project)
    return {"markdown": rendered.markdown, "shown": list(rendered.shown), "tokens": rendered.tokens,
            "hits": [h.as_dict() for h in hits]}  # fmt: skip


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.project import project_of

    if not args.query.strip():
        raise UsageError("nothing to recall for: give a PROMPT")
    low, high = BUDGET_RANGE
    if not low <= args.budget <= high:
        raise UsageError(f"--budget must be from {low} to {high:,} tokens")
    if not 1 <= args.limit <= 200:
        raise UsageError("--limit must be from 1 to 200")
    project = args.project if args.project is not None else project_of(os.getcwd())
    if args.all:
        payload = {"query": args.query, "project": project, "limit": args.limit, "budget": args.budget}
        result = _whole_slice(ctx, payload)
    else:
        result = _injection(ctx, args.query, project, args.budget)
    if args.json:
        print_json(result)
    elif result["markdown"]:
        print(result["markdown"])
    else:
        print(f"(nothing would be injected: {result.get('reason') or 'no memories matched'})")
    return 0
