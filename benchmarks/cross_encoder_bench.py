"""The cross-encoder's own time on the pairs real searches hand it, by how many pairs go in one run.

    python -m benchmarks.cross_encoder_bench [--notes 1000] [--queries 30] [--batches 8,4,2,1]

Indexes synthetic notes in this process (with the daemon's allocator settings and BLAS on one
thread, as `memem serve` runs), runs searches and slices as shipped, and keeps the (query, note)
pairs the cross-encoder was given. Then it re-runs every search's pairs at each batch size in turn,
so a slow minute of the machine weighs on all of them alike, and reports each size's p50 and its
median ratio to the first size, search by search. Padding: the tokens a run computes past each
pair's own, as a share of the pairs' tokens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import print_table

REPO = Path(__file__).resolve().parents[1]


def captured_pairs(vault: Path, queries: int, kind: str) -> list[list[Any]]:
    """The encoded pairs each search (or slice) gave the cross-encoder, one list per query."""
    from benchmarks.recall_bench import questions
    from memem.config import Paths
    from memem.index.store import IndexStore
    from memem.recall.inject import inject
    from memem.recall.query import Query
    from memem.recall.rerank import reranker_for
    from memem.recall.search import search

    store = IndexStore(Paths.resolve(vault))
    try:
        store.reconcile()
        reranker = reranker_for(store)
        model = reranker.model
        if model is None:
            raise SystemExit("the cross-encoder is not installed (make setup installs it)")
        reranker.ms_per_token()  # its own timing runs first, not among the searches' pairs
        runs: list[list[Any]] = []
        run = model.run
        model.run = lambda encodings: (runs.append(list(encodings)), run(encodings))[1]  # type: ignore[method-assign]
        for i, q in enumerate(questions(queries)):
            text = f"{q['query']} (#{i})"  # each different: nothing answered from the score cache
            project = q["project"] if isinstance(q["project"], str) else None
            if kind == "slice":
                inject(store, text, project, 600)
            else:
                search(store, Query(text, project=project))
        model.run = run  # type: ignore[method-assign]
        return runs
    finally:
        store.close()


def padded_share(runs: list[list[Any]], batch: int) -> float:
    """Padding as a share of real tokens when each run's pairs go `batch` to a run, split as the
    cross-encoder splits them."""
    from memem.index.embeddings.cross_encoder import MAX_PAIR_TOKENS, load_cross_encoder
    from memem.index.embeddings.padding import _batches, split_by_length

    model = load_cross_encoder().model
    assert model is not None

    real = padded = 0
    for encodings in runs:
        real += sum(len(e.ids) for e in encodings)
        for group in split_by_length([len(e.ids) for e in encodings], model.parts):
            for _, ids, _, _ in _batches([encodings[i] for i in group], batch, batch * MAX_PAIR_TOKENS):
                padded += ids.size
    return padded / max(real, 1) - 1.0


def timed(runs: list[list[Any]], batches: list[int], repeats: int) -> dict[int, list[float]]:
    """ms per search's pairs at each batch size, the sizes taking turns on each search."""
    import memem.index.embeddings.cross_encoder as cross_encoder

    model = cross_encoder.load_cross_encoder().model
    assert model is not None
    before = cross_encoder.BATCH
    times: dict[int, list[float]] = {b: [] for b in batches}
    try:
        for _ in range(repeats):
            for encodings in runs:
                for b in batches:
                    cross_encoder.BATCH = b
                    start = time.perf_counter()
                    model.run(encodings)
                    times[b].append((time.perf_counter() - start) * 1000)
    finally:
        cross_encoder.BATCH = before
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=30, help="searches and slices whose pairs are timed")
    parser.add_argument("--batches", default="8,4,2,1", help="pairs per run to compare; the first is the base")
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    work = Path(tempfile.mkdtemp(prefix="memem-ce-bench-"))
    os.environ["MEMEM_DIR"] = str(work / "home")
    sys.path.insert(0, str(REPO))
    from memem.cli.blas import one_blas_thread
    from memem.daemon.heap import limit_heap

    one_blas_thread()
    limit_heap()
    from benchmarks.synthetic import generate
    from memem.index.embeddings.cross_encoder import BATCH

    try:
        vault = work / "vault"
        generate(vault, args.notes)
        for kind in ("search", "slice"):
            runs = captured_pairs(vault, args.queries, kind)
            tokens = statistics.median(sum(len(e.ids) for e in r) for r in runs)
            times = timed(runs, batches, args.repeats)
            base = times[batches[0]]
            print(f"\n{kind}: {len(runs)} runs of the cross-encoder, median {tokens:.0f} tokens (as shipped: {BATCH})")
            print_table(
                [
                    (
                        f"{b} {'pair' if b == 1 else 'pairs'} a run",
                        f"{statistics.median(times[b]):.1f} ms",
                        f"{statistics.median(x / y for x, y in zip(times[b], base, strict=True)):.3f}",
                        f"{100 * padded_share(runs, b):.1f}%",
                    )
                    for b in batches
                ],
                ("batch", "p50", f"ratio to {batches[0]}", "padding"),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
