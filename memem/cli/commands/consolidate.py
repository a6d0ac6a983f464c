"""`memem consolidate`: look back over the vault for duplicates, superseded and contradicted notes, and
memories nothing recalls any more; fold exact duplicates of unreviewed mined notes, propose the rest."""

from __future__ import annotations

import argparse

from memem.cli.context import Context, op, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "consolidate",
        help="find duplicates, superseded, contradicted and stale memories; fold the safe ones, propose the rest",
        description="Rules: exact duplicates (folded at once when every extra copy is an unreviewed mined note), "
        "near-duplicates (stored vectors nearly the same), notes superseded but still active, the older side of a "
        "contradiction, and notes recall has not shown in 180 days. With the miner's model (an API key, or Claude "
        "Code's headless mode; MEMEM_JUDGE=rules turns it off), pairs of notes about the same subject are judged by "
        "it too: duplicates, refinements, replacements and contradictions nobody linked, each a proposal (a model's "
        "judgement is never applied by itself; each pair of texts is asked about once). Proposals are notes in "
        "memem/proposals/; decide with `memem consolidate accept KEY` or `reject KEY`. Nothing is deleted; "
        "`memem undo` reverts.",
    )
    p.add_argument("decision", nargs="?", choices=("accept", "reject"), help="decide a proposal instead of looking")
    p.add_argument("key", nargs="?", metavar="KEY", help="the proposal's key (from --list)")
    p.add_argument("--list", action="store_true", help="list the open proposals")
    p.add_argument("--no-apply", action="store_true", help="apply nothing, not even the provably safe folds")
    p.add_argument("--rules-only", action="store_true", help="ask no model this time, whatever MEMEM_JUDGE says")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.decision:
        if not args.key:
            print("memem: give the proposal's KEY (see `memem consolidate --list`)")
            return 2
        done = op(ctx, "proposal_decide", {"decision": args.decision, "key": args.key})
        if args.json:
            print_json(done)
        else:
            print(f"{args.decision}ed {done['key']}: {done['evidence']}")
        return 0
    if args.list:
        open_ = op(ctx, "proposals", {})
        if args.json:
            print_json(open_)
        elif not open_:
            print("no open proposals")
        for p in [] if args.json else open_:
            print(f"{p['key']}  {p['kind']:<9} {', '.join(p['ids'])}: {p['evidence']}")
        return 0
    report = op(ctx, "consolidate", {"apply_safe": not args.no_apply, "model": not args.rules_only})
    if args.json:
        print_json(report)
        return 0
    for p in report["applied"]:
        print(f"folded   {', '.join(p['ids'][1:])} into {p['ids'][0]}: {p['evidence']}")
    for p in report["proposed"]:
        print(f"proposed {p['key']}  {p['kind']:<9} {', '.join(p['ids'])}: {p['evidence']}")
    asked = report["asked"]
    judged = f"; {report['answered']} of {asked} new pairs judged by {report['judge']}" if asked else ""
    print(f"{len(report['applied'])} folded, {len(report['proposed'])} proposed ({report['seconds']} s{judged}); "
          "proposals are notes in memem/proposals/")  # fmt: skip
    return 0
