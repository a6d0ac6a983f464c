"""`memem search`: search of the memories (hybrid first stage, cross-encoder second), best first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from memem.cli.context import CommandError, Context, UsageError, in_words, utf8_or_error
from memem.terminal import inline

OPTIONS = {"limit": "--limit", "mode": "--mode", "project": "--project", "query": "QUERY"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "search",
        help="search memories (full-text + semantic + graph), best first",
        description="Search the memories. --project P keeps notes of project P and global notes. With --batch, "
        'read JSON lines {"query": …, "project": …, "limit": …, "mode": …, "include_deprecated": …, "rerank": …} '
        "from stdin and print one JSON array per line, in order, from one process; the options given on the "
        "command line apply to every line that does not set its own.",
    )
    p.add_argument("query", nargs="?", help="what to look for (omit with --batch)")
    p.add_argument("--project", "-p", help="project scope: notes of this project plus global notes")
    p.add_argument("--limit", "-k", type=int, default=10, help="how many results (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON array of {id, title, path, score, …}")
    p.add_argument("--batch", action="store_true", help="read queries as JSON lines on stdin")
    p.add_argument("--deprecated", action="store_true", help="include deprecated memories")
    p.add_argument(
        "--mode",
        choices=("hybrid", "fulltext", "vector"),
        default="hybrid",
        help="which first stage to use (default hybrid: full text and vectors fused)",
    )
    p.add_argument(
        "--no-rerank",
        dest="rerank",
        action="store_false",
        help="rank by the first stage alone, without the cross-encoder's second look",
    )
    p.set_defaults(run=run)


def _payloads(args: argparse.Namespace) -> list[dict[str, Any]]:
    given = {
        "project": args.project, "limit": args.limit, "include_deprecated": args.deprecated, "mode": args.mode,
        "rerank": args.rerank,
    }  # fmt: skip
    if not args.batch:
        if not args.query or not args.query.strip():
            raise UsageError("nothing to search for: give a QUERY (or --batch)")
        return [{"query": args.query, **given}]
    if args.query:
        raise UsageError("give either a QUERY or --batch, not both")
    out = []
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        utf8_or_error(line, f"stdin line {n}")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(f"stdin line {n} is not JSON: {exc}") from None
        if not isinstance(item, dict):
            raise CommandError(f"stdin line {n} is not a JSON object")
        # The command line's options are each line's defaults; a line's own fields win.
        out.append({**given, **{k: v for k, v in item.items() if v is not None or k != "project"}})
    return out


def _search_all(ctx: Context, payloads: list[dict[str, Any]]) -> list[Any]:
    info = ctx.daemon()
    if info is not None:
        answer = ctx.call(info, "POST", "/v1/search/batch", {"queries": payloads}, timeout=600, options=OPTIONS)
        return list(answer["results"])
    from memem.errors import BadRequest
    from memem.recall.query import parse_query
    from memem.recall.search import search

    results: list[Any] = []
    with ctx.open_store(reconcile=True) as store:
        for payload in payloads:
            try:
                query = parse_query(payload)
            except BadRequest as exc:
                results.append({"error": str(exc)})
                continue
            results.append([h.as_dict() for h in search(store, query)])
    return results


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 1 or args.limit > 200:
        raise UsageError("--limit must be from 1 to 200")
    payloads = _payloads(args)
    results = _search_all(ctx, payloads)
    if args.batch:
        for result in results:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return 0
    hits = results[0]
    if isinstance(hits, dict):
        raise CommandError(in_words(str(hits["error"]), OPTIONS))
    if args.json:
        sys.stdout.write(json.dumps(hits, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not hits:
        print("no memories match")
        return 0
    for n, hit in enumerate(hits, 1):
        scope = f" · {hit['project']}" if hit.get("project") else ""
        scope += f" · team {hit['team']}" if hit.get("team") else ""
        scope += " · deprecated" if hit.get("status") == "deprecated" else ""  # with --deprecated
        mark = "📌" if hit.get("pinned") else f"{n:>2}."
        print(f"{mark} {inline(hit['title'])}  [{inline(hit['id'])}{inline(scope)}]  {hit['score']:.3f}")
        if hit.get("snippet"):
            print(f"    {hit['snippet']}")
        print(f"    {inline(hit['path'])}  ({'; '.join(hit.get('why', []))})")
    return 0
