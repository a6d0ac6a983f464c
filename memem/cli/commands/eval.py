"""`memem eval QUERIES.jsonl`: recall@k and MRR of retrieval; `memem eval --mining SET`: a miner's precision."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memem.cli.context import CommandError, Context, UsageError, print_json

if TYPE_CHECKING:
    from memem.recall.evaluate import LabelledQuery

STAGES = ("fulltext", "vector", "hybrid", "late", "reranked")
"""Each stage of recall, scored alone: the first stage's two lists, their fusion, that re-scored by late
interaction, then the cross-encoder (what search runs)."""
PAYLOADS: dict[str, dict[str, Any]] = {
    "fulltext": {"mode": "fulltext", "rerank": False},
    "vector": {"mode": "vector", "rerank": False},
    "hybrid": {"mode": "hybrid", "late": False, "rerank": False},
    "late": {"mode": "hybrid", "rerank": False},
    "reranked": {"mode": "hybrid", "rerank": True},
}
"""How each stage is asked of search."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="score retrieval on a labelled query set (recall@k, MRR; each stage of recall beside the others)",
        description="Score retrieval on JSON lines with `question`, `gold_ids` (or `gold_ids_audited`), `project` "
        "(or `sample_id`) and optional `category`. Each query searches within its project. All modes run in "
        "this one process (or through the daemon) so the figures compare like with like.",
    )
    p.add_argument(
        "queries",
        type=Path,
        metavar="SET",
        help="the labelled queries (JSON lines), or with --mining "
        "a folder holding labels.json and the transcripts it names",
    )
    p.add_argument(
        "--mining",
        action="store_true",
        help="score a miner's notes against labelled lessons instead: "
        "precision (notes that match a labelled or acceptable lesson) and recall (lessons found)",
    )
    p.add_argument(
        "--miner",
        choices=("offline", "api", "claude-code"),
        default="offline",
        help="with --mining: which extractor to score (default offline; the others call a model)",
    )
    p.add_argument("--k", default="1,5,10,20", help="cut-offs for recall@k (default 1,5,10,20)")
    p.add_argument("--category", help="only these categories, e.g. 1,2,3,4")
    p.add_argument(
        "--modes",
        default=",".join(STAGES),
        help="which retrievals to score: fulltext, vector, hybrid (the two fused), late (hybrid re-scored by late "
        "interaction: the first stage as search runs it) and reranked (that re-scored by the cross-encoder: what "
        "search uses when its model is installed)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def _check_gold_ids(ctx: Context, queries: Sequence[LabelledQuery]) -> None:
    """Refuse to score a vault the queries were not made for: it would print a table of zeros."""
    from memem.cli.context import op

    gold = sorted({g for q in queries for g in q.gold})
    known = set(op(ctx, "known", {"ids": gold}))
    if not known:
        raise CommandError(
            f"none of the {len(gold):,} gold ids is in the vault {ctx.paths.vault}: these queries were made for "
            "another vault (choose it with --vault), or the vault has not been indexed (`memem index`)"
        )
    if len(known) < len(gold):
        print(f"memem: {len(gold) - len(known):,} of {len(gold):,} gold ids are not in this vault", file=sys.stderr)


def _check_lines(path: Path) -> None:
    """Refuse a query file whose lines are not what `load_queries` reads, naming the line: each must be
    a JSON object, its gold ids a list (a string would be read as its characters, each one a 'gold id')."""
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise CommandError(f"{path}:{n}: not JSON ({exc})") from None
        if not isinstance(item, dict):
            raise CommandError(f"{path}:{n}: each line must be a JSON object, not a {type(item).__name__}")
        for key in ("gold_ids_audited", "gold_ids"):
            gold = item.get(key)
            if gold is not None and not (
                isinstance(gold, list) and all(isinstance(g, (str, int)) and not isinstance(g, bool) for g in gold)
            ):
                raise CommandError(f'{path}:{n}: `{key}` must be a list of ids, e.g. ["id-1", "id-2"]')


def _run_mining(args: argparse.Namespace) -> int:
    from memem.cli.progress import PhaseBar
    from memem.mining.choose import choose_extractor
    from memem.mining.evaluation import LabelsError, evaluate, load, totals
    from memem.mining.failures import ModelUnavailable

    if not args.queries.is_dir():
        raise CommandError(f"{args.queries} is not a folder: --mining takes a folder holding labels.json")
    try:
        labelled = load(args.queries)
        extractor = choose_extractor(args.miner)
    except (LabelsError, ModelUnavailable) as exc:
        raise CommandError(str(exc)) from None
    with PhaseBar() as bar:
        done = [0]

        def step(name: str) -> None:
            bar("mining", done[0], len(labelled))
            done[0] += 1

        try:
            scores = evaluate(labelled, extractor, step)
        except ModelUnavailable as exc:
            raise CommandError(f"the {args.miner} extractor failed: {exc}") from None
    summary = totals(scores)
    summary["miner"] = extractor.name
    summary["cost_usd"] = round(extractor.spent.usd, 4)
    if args.json:
        print_json({"summary": summary, "transcripts": [
            {"transcript": s.name, "source": s.source, "notes": [n.title for n in s.notes],
             "junk": [n.title for n in s.junk], "lessons": s.lessons, "found": s.found} for s in scores]})  # fmt: skip
        return 0
    print(f"{'transcript':58} {'notes':>5} {'junk':>4} {'found':>9}")
    for s in scores:
        print(f"{s.name[:58]:58} {len(s.notes):5} {len(s.junk):4} {s.found:4}/{s.lessons:<4}")
        for note in s.junk:
            print(f"    junk: {note.title}")
    precision = "-" if summary["precision"] is None else f"{summary['precision']:.2f}"
    recall = "-" if summary["recall"] is None else f"{summary['recall']:.2f}"
    print(
        f"\n{extractor.name}: {summary['notes']} notes, {summary['junk']} junk · precision {precision} · "
        f"recall {recall} ({summary['found']}/{summary['lessons']} lessons) · ${summary['cost_usd']:.4f}"
    )
    return 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.recall.evaluate import evaluate, load_queries, render

    if args.mining:
        return _run_mining(args)
    try:
        ks = tuple(sorted({int(k) for k in args.k.split(",")}))
    except ValueError:
        raise UsageError("--k must be numbers separated by commas, e.g. 5,10") from None
    if not ks or min(ks) < 1:
        raise UsageError("--k must be positive numbers separated by commas, e.g. 5,10")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(modes) <= set(STAGES) or not modes:
        raise UsageError(f"--modes takes {', '.join(STAGES)} (any of them, separated by commas)")
    if not args.queries.is_file():
        raise CommandError(f"no such query file: {args.queries}")
    categories = {c.strip() for c in args.category.split(",")} if args.category else None
    _check_lines(args.queries)
    try:
        queries, skipped = load_queries(args.queries, categories)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not queries:
        raise CommandError("no usable queries (each needs a question and gold ids)")

    _check_gold_ids(ctx, queries)

    def payloads(qs: Sequence[LabelledQuery], mode: str, depth: int) -> list[dict[str, Any]]:
        return [{"query": q.question, "project": q.project, "limit": depth, **PAYLOADS[mode]} for q in qs]

    info = ctx.daemon()
    if info is not None:

        def retrieve(qs: Sequence[LabelledQuery], mode: str, depth: int) -> list[list[str]]:
            answer = ctx.call(info, "POST", "/v1/search/batch", {"queries": payloads(qs, mode, depth)}, timeout=3600)
            return [[h["id"] for h in hits if not h.get("pinned")] for hits in answer["results"]]

        report = evaluate(queries, retrieve, modes, ks)
    else:
        from memem.recall.query import parse_query
        from memem.recall.search import search

        with ctx.open_store(reconcile=True) as store:

            def retrieve(qs: Sequence[LabelledQuery], mode: str, depth: int) -> list[list[str]]:
                return [
                    [h.row.id for h in search(store, parse_query(p)) if not h.pinned] for p in payloads(qs, mode, depth)
                ]

            report = evaluate(queries, retrieve, modes, ks)
    if args.json:
        print_json({"queries": len(queries), "skipped": skipped, "report": report})
    else:
        print(f"{len(queries)} queries" + (f" ({skipped} skipped: no gold ids)" if skipped else ""))
        print(render(report, ks))
    return 0
