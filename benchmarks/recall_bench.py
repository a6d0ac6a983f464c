"""Benchmarks of recall (issue 3): LoCoMo-dev retrieval quality and search latency at scale.

    python -m benchmarks.recall_bench [--sizes 1000,10000,100000] [--queries 200]

Quality: `memem eval` on ../shared/bench/locomo-dev (categories 1–4, each query within its project),
hybrid beside BM25-only and vector-only in the same run.
Latency: `POST /v1/search` through a running daemon on synthetic vaults, p50 / p95. Sizes up to 10,000
index with the MiniLM model; larger ones with the hashed fallback vectors (indexing 100,000 notes
with MiniLM takes over half an hour here), and the MiniLM query-embedding time is reported beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import percentile, print_table

REPO = Path(__file__).resolve().parents[1]
LOCOMO = REPO.parent / "shared" / "bench" / "locomo-dev"
MODEL_LIMIT = 10_000


def questions(n: int, seed: int = 11) -> list[dict[str, object]]:
    from benchmarks.synthetic import TOOLS, TOPICS

    rng = random.Random(seed)
    forms = [
        "how do we handle {topic} with {tool}?",
        "why did {topic} break",
        "{tool} {topic} settings",
        "what is our rule for {topic}",
    ]
    out = []
    for i in range(n):
        text = rng.choice(forms).format(topic=rng.choice(TOPICS), tool=rng.choice(TOOLS))
        out.append({"query": text, "limit": 10, "project": f"project-{rng.randrange(20):02}" if i % 2 else None})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic vault sizes for latency")
    parser.add_argument("--queries", type=int, default=200, help="timed searches per size")
    parser.add_argument("--skip-eval", action="store_true", help="skip the LoCoMo quality run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    work = Path(tempfile.mkdtemp(prefix="memem-recall-bench-"))
    os.environ["MEMEM_DIR"] = str(work / "home")
    sys.path.insert(0, str(REPO))
    from benchmarks.synthetic import generate
    from memem.testing import RunningDaemon

    results: dict[str, object] = {}
    rows: list[tuple[str, str, str]] = []
    try:
        if not args.skip_eval:
            vault = work / "locomo"
            shutil.copytree(LOCOMO / "memem", vault / "memem")
            out = subprocess.run(
                [sys.executable, "-P", "-m", "memem", "--vault", str(vault), "eval", str(LOCOMO / "queries.jsonl"),
                 "--category", "1,2,3,4", "--k", "1,5,10,20"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            print("LoCoMo-dev, categories 1–4, within each conversation:\n" + out.stdout)
            results["locomo"] = out.stdout

        from memem.config import Paths
        from memem.index.embeddings import load_embedder
        from memem.recall.candidates import query_vector

        for size in sizes:
            vault = work / f"synthetic-{size}"
            generate(vault, size)
            env = {} if size <= MODEL_LIMIT else {"MEMEM_EMBEDDER": "hash"}
            daemon = RunningDaemon(vault, env)
            try:
                daemon.wait_ready(timeout=7200)
                qs = questions(args.queries)
                for q in qs[:10]:  # warm-up
                    daemon.call("POST", "/v1/search", q)
                for rerank in (False, True):
                    lat = []
                    for n, q in enumerate(qs):
                        # a different query text each time: none answered from the cross-encoder's cache
                        asked = {**q, "query": f"{q['query']} ({n})", "rerank": rerank}
                        start = time.perf_counter()
                        daemon.call("POST", "/v1/search", asked)
                        lat.append((time.perf_counter() - start) * 1000)
                    p50, p95 = percentile(lat, 0.5), percentile(lat, 0.95)
                    stage = "reranked" if rerank else "first stage"
                    results[f"latency_{size}_{stage}"] = {
                        "p50_ms": p50, "p95_ms": p95, "vectors": "minilm" if not env else "hash"
                    }  # fmt: skip
                    label = f"search through the daemon, {size:,} notes" + ("" if not env else " (hashed vectors)")
                    label += ", + cross-encoder" if rerank else ", first stage only"
                    rows.append((label + ", p50 / p95", f"{p50:.1f} / {p95:.1f} ms", ""))

                if size == sizes[0]:
                    # --batch: one process for every query vs. one process per query
                    lines = "\n".join(json.dumps(q) for q in qs) + "\n"
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-P", "-m", "memem", "--vault", str(vault), "search", "--batch"],
                                   input=lines, capture_output=True, text=True, check=True)  # fmt: skip
                    batch_each = (time.perf_counter() - start) * 1000 / len(qs)
                    singles = []
                    for q in qs[:10]:
                        start = time.perf_counter()
                        one = [
                            sys.executable,
                            "-P",
                            "-m",
                            "memem",
                            "--vault",
                            str(vault),
                            "search",
                            str(q["query"]),
                            "--json",
                        ]
                        subprocess.run(one, capture_output=True, text=True, check=True)
                        singles.append((time.perf_counter() - start) * 1000)
                    single_each = sum(singles) / len(singles)
                    results["batch"] = {"batch_ms_per_query": batch_each, "single_process_ms_per_query": single_each}
                    rows.append(
                        (
                            f"`memem search --batch`, {len(qs)} queries: per query (vs. one process each)",
                            f"{batch_each:.1f} ms ({single_each:.0f} ms)",
                            f"{single_each / batch_each:.0f}× less",
                        )
                    )
            finally:
                daemon.stop()
            shutil.rmtree(vault, ignore_errors=True)
        if any(s > MODEL_LIMIT for s in sizes):
            choice = load_embedder(Paths.resolve(work).models_dir)

            class _Store:
                embedder = choice.embedder

            texts = [str(q["query"]) for q in questions(200)]
            for t in texts[:10]:
                query_vector(_Store, t)  # type: ignore[arg-type]
            times = []
            for t in texts:
                start = time.perf_counter()
                query_vector(_Store, t)  # type: ignore[arg-type]
                times.append((time.perf_counter() - start) * 1000)
            results["query_embedding_ms_p50"] = percentile(times, 0.5)
            rows.append(("MiniLM query embedding alone (add to hashed-vector rows), p50",
                         f"{percentile(times, 0.5):.1f} ms", ""))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(rows, ("measure", "result", "target"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
