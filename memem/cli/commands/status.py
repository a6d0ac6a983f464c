"""`memem status`: counts, index health, model, bad notes and the daemon's state."""

from __future__ import annotations

import argparse
from typing import Any

from memem.cli.context import QUICK, Context, no_secret_ids, print_json
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status",
        help="what is indexed, which model runs, what is wrong, whether the daemon runs",
        description="Show the vault's index: notes, vectors, full-text rows and links; the embedding and "
        "reranking models; team vaults; notes that could not be indexed; and whether the daemon runs. From "
        "the daemon when it runs (a daemon that does not answer within a few seconds is reported as hung), "
        "else from the indexes on disk. `memem doctor` says how to fix what is wrong.",
    )
    p.add_argument("--json", action="store_true", help="print the full status as JSON")
    p.add_argument(
        "--memory", metavar="ID",
        help="one memory's record instead: how often recall showed it; whether it was used, ignored, contradicted",
    )  # fmt: skip
    p.set_defaults(run=run)


def collect(ctx: Context) -> dict[str, Any]:
    """Status from the daemon when it runs, else computed here from the stores."""
    info = ctx.daemon()
    if info is not None:
        data: dict[str, Any] = ctx.call(info, "GET", "/v1/status", timeout=QUICK)
        data["daemon"]["running"] = True
        data["daemon"]["url"] = info.url
        return data
    from memem.index.health import health

    with ctx.open_store() as store:
        data = health(store).as_dict()
    data["daemon"] = {"running": False}
    return data


def render(data: dict[str, Any]) -> str:
    d = data["daemon"]
    why = data.get("embedder_why")
    lines = [
        f"vault        {data['vault']}  (memories in {data['memories_folder']}/)",
        f"notes        {data['notes']} indexed · {data['vectors']} vectors · {data['fulltext']} full-text"
        + (f" · {data['stale_vectors']} awaiting embedding" if data["stale_vectors"] else ""),
        f"graph        {data['graph_nodes']} notes · {data['graph_edges']} links · {data['dangling_links']} dangling",
        f"embeddings   {data['embedder_description']}"
        + ("  [FALLBACK]" if data["embedder_fallback"] else f"  ({why})" if why else ""),
        f"reranking    {data['reranker']}",
    ]
    budgets = data.get("rerank_budgets")
    if budgets:  # a time, so it depends on the CPU: say what it comes to here
        lines[-1] += (
            f" · reads {budgets['search_tokens']:,} tokens a search, {budgets['slice_tokens']:,} a prompt here"
            f" ({budgets['ms_per_token']:.3f} ms a token)"
        )
    shared = data.get("shared_index")
    if shared:
        state = {True: "reachable", False: f"UNREACHABLE ({shared['last_error']}): team notes by full text only",
                 None: "not asked yet"}[shared["reachable"]]  # fmt: skip
        lines.append(f"team index   {shared['url']} ({shared['role']}): {state}")
    holdout = data.get("holdout") or {}
    held = holdout.get("held out", (0, 0))
    if held[0]:
        shown = holdout.get("shown", (0, 0))

        def rate(pair: list[int]) -> str:
            return f"{pair[1] / pair[0]:.0%} of {pair[0]}" if pair[0] else "none yet"

        lines.append(f"holdout      memories used when shown: {rate(shown)} · when withheld: {rate(held)}")
    for team in data.get("teams") or []:
        serves = ", ".join(team["projects"]) or "every project"
        mode = "writable" if team["writable"] else "read-only"
        lines.append(f"team         {team['name']}: {team['notes']} notes · recalled for {serves} · {mode}")
    if d.get("running"):
        progress = d.get("progress")
        phase = d["phase"] + (f" ({progress[0]} {progress[1]}/{progress[2]})" if progress else "")
        lines.append(f"daemon       running, pid {d['pid']}, {phase}, {d['url']}")
    else:
        lines.append("daemon       not running (start it with `memem serve`); figures are as of the last index")
    bad, dupes = data["bad_notes"], data["duplicate_ids"]
    if bad:
        lines.append(f"bad notes    {len(bad)} not indexed:")
        lines.extend(f"  {inline(b['path'])}: {b['reason']}" for b in bad)
    if dupes:
        lines.append(f"duplicate ids {len(dupes)}:")
        lines.extend(f"  {inline(note_id)}: {', '.join(inline(p) for p in paths)}" for note_id, paths in dupes.items())
    problems = data["problems"]
    if problems:
        lines.append(f"problems     {len(problems)} (run `memem doctor` for fixes)")
    return "\n".join(lines)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.memory:
        from memem.cli.context import op

        no_secret_ids([args.memory])
        record = op(ctx, "record", {"id": args.memory}, options={"id": "--memory"})
        if args.json:
            print_json(record)
        else:
            flag = "  [FLAGGED for review]" if record["flagged"] else ""
            counts = f"used {record['used']} · ignored {record['ignored']} · contradicted {record['contradicted']}"
            print(f"{record['id']}: shown {record['shown']}× · {counts}{flag}")
        return 0
    data = collect(ctx)
    if args.json:
        print_json(data)
    else:
        print(render(data))
    return 0
