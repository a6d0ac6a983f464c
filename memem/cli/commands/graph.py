"""`memem graph {rebuild,audit,neighbors ID}`: the typed-edge graph of memories."""

from __future__ import annotations

import argparse
from typing import Any

from memem.cli.context import Context, no_secret_ids, non_empty, op, print_json
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("graph", help="the link graph: rebuild it, audit it, or show a memory's neighbours")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = actions.add_parser("rebuild", help="reconcile the vault and rebuild the graph from it")
    rebuild.set_defaults(run=run_rebuild)
    audit = actions.add_parser("audit", help="orphans, dangling links, hubs, supersede cycles, open contradictions")
    audit.add_argument("--json", action="store_true", help="print the audit as JSON")
    audit.set_defaults(run=run_audit)
    neighbors = actions.add_parser("neighbors", help="typed links of one memory, both directions")
    neighbors.add_argument("id", metavar="ID", type=non_empty, help="the memory's id (or note name)")
    neighbors.add_argument("--kind", action="append", help="only this link kind (repeatable)")
    neighbors.add_argument("--json", action="store_true", help="print the memory and its links as JSON")
    neighbors.set_defaults(run=run_neighbors)


def _ref(item: dict[str, Any]) -> str:
    return f"“{inline(item['title'])}” [{inline(item['id'])}]"


def run_rebuild(args: argparse.Namespace, ctx: Context) -> int:
    info = ctx.daemon()
    if info is not None:
        ctx.call(info, "POST", "/v1/reconcile", timeout=24 * 3600)
    data = op(ctx, "graph_audit", {})
    print(f"graph: {data['notes']} memories, {data['edges']} links, {len(data['dangling'])} dangling")
    return 0


def run_audit(args: argparse.Namespace, ctx: Context) -> int:
    data = op(ctx, "graph_audit", {})
    if args.json:
        print_json(data)
        return 0
    print(f"{data['notes']} memories, {data['edges']} links")
    print(
        f"contradictions ({len(data['contradictions'])}): "
        + "; ".join(f"{_ref(a)} vs {_ref(b)}" for a, b in data["contradictions"])
    )
    print(
        f"supersede cycles ({len(data['supersede_cycles'])}): "
        + "; ".join(" → ".join(_ref(n) for n in c) for c in data["supersede_cycles"])
    )
    print(f"dangling links ({len(data['dangling'])}):")
    for d in data["dangling"]:
        print(f"  {_ref(d['from'])} {d['kind']} → [[{d['link']}]]")
    print("hubs: " + "; ".join(f"{_ref(h)} ({h['degree']})" for h in data["hubs"]))
    print(f"orphans ({len(data['orphans'])}): " + "; ".join(_ref(o) for o in data["orphans"][:20]))
    return 0


def run_neighbors(args: argparse.Namespace, ctx: Context) -> int:
    no_secret_ids([args.id])
    data = op(ctx, "neighbors", {"id": args.id, "kinds": args.kind}, options={"id": "ID", "kinds": "--kind"})
    if args.json:
        print_json(data)
        return 0
    print(_ref(data["note"]))
    for e in data["edges"]:
        arrow = "→" if e["direction"] == "out" else "←"
        print(f"  {e['kind']} {arrow} " + (f"[[{e['link']}]] (no such memory)" if e["dangling"] else _ref(e)))
    return 0
