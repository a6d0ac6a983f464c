"""Team memory at scale: the vector store through a Chroma server beside the embedded one, and the
team writer's indexing throughput.

Two parts, one table each (`--write-readme` puts them in the README and docs/scale.md quotes them):

1. **The store**: N vectors (10k and 100k; random unit vectors of MiniLM's 384 dimensions, so the
   store's cost is measured without an embedder's), written in the largest batches the store takes,
   then 200 queries (k = 45, what recall asks of each vector leg). Embedded = chromadb's
   PersistentClient in this process, as memem keeps a person's notes; server = `chroma run` on loopback,
   reached with chromadb's HttpClient, as a team's daemons reach it. Disk is the data folder's size.
2. **The team writer**: a real team vault of synthetic notes indexed by `IndexStore.reconcile` with
   the MiniLM embedder: kept locally (no server), written to the server by a writer, then read by a
   second daemon at the same commit (a reader: it finds every vector done and embeds nothing).

    python -m benchmarks.team_bench [--sizes 10000,100000] [--notes 2000] [--write-readme]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import percentile, print_table, write_readme_table

REPO = Path(__file__).resolve().parents[1]
DIM = 384
QUERIES = 200
K = 45


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def unit(rows: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal((rows, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def measure_store(client: object, n: int, rng: np.random.Generator) -> dict[str, float]:
    collection = client.get_or_create_collection(  # type: ignore[attr-defined]
        "bench", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    batch = int(client.get_max_batch_size())  # type: ignore[attr-defined]
    vectors = unit(n, rng)
    started = time.perf_counter()
    for start in range(0, n, batch):
        part = vectors[start : start + batch]
        collection.upsert(
            ids=[f"team-{i}" for i in range(start, start + len(part))], embeddings=part,
            metadatas=[{"project": "api", "embed_hash": "x"} for _ in range(len(part))],
        )  # fmt: skip
    write_s = time.perf_counter() - started
    probes = vectors[rng.choice(n, QUERIES, replace=False)] + 0.05 * unit(QUERIES, rng)
    for probe in probes[:5]:  # warm: the first queries load the index
        collection.query(query_embeddings=[probe], n_results=K, include=["distances"])
    times = []
    for probe in probes:
        t = time.perf_counter()
        collection.query(query_embeddings=[probe], n_results=K, include=["distances"])
        times.append((time.perf_counter() - t) * 1000)
    return {"write_s": write_s, "p50": percentile(times, 0.5), "p95": percentile(times, 0.95)}


def store_part(sizes: list[int], work: Path) -> list[list[str]]:
    import chromadb
    from chromadb.config import Settings

    from memem.teams.index_server import free_port, start_chroma

    rows = []
    for n in sizes:
        for kind in ("embedded", "server"):
            rng = np.random.default_rng(n)
            data = work / f"{kind}-{n}"
            server = None
            if kind == "embedded":
                client = chromadb.PersistentClient(path=str(data), settings=Settings(anonymized_telemetry=False))
            else:
                port = free_port()
                server = start_chroma(data, port)
                client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
            try:
                figures = measure_store(client, n, rng)
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=30)
            size = folder_mb(data)
            rows.append([
                f"{n:,} notes, {kind}", f"{n / figures['write_s']:,.0f}", f"{figures['p50']:.1f}",
                f"{figures['p95']:.1f}", f"{size:,.0f}", f"{size * 1e6 / n / 1024:.1f}",
            ])  # fmt: skip
            print(f"  {rows[-1]}", flush=True)
            shutil.rmtree(data, ignore_errors=True)
    return rows


def team_vault(root: Path, notes: int) -> Path:
    from memem.teams.membership import init_repo
    from memem.testing import note_text

    seed = init_repo(root / "seed", "acme", ["api"])
    rng = np.random.default_rng(7)
    words = ("deploy", "cache", "schema", "token", "retry", "queue", "index", "lockfile", "staging", "migration")
    for n in range(notes):
        topic = " ".join(rng.choice(words, 4))
        body = f"Service {n}: {topic}. The {words[n % 10]} step runs after review; see runbook section {n % 37}."
        (seed / "memories" / f"Note {n}.md").write_text(
            note_text(body, id=f"team-{n:05d}", title=f"Service {n} {topic}")
        )
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@x"}  # fmt: skip
    subprocess.run(["git", "-C", str(seed), "add", "--all"], check=True, env=env)
    subprocess.run(["git", "-C", str(seed), "commit", "--quiet", "-m", "notes"], check=True, env=env)
    return seed


def writer_part(notes: int, work: Path) -> list[list[str]]:
    from memem.config import Paths
    from memem.index.embeddings import load_embedder
    from memem.index.shared import SharedConfig
    from memem.index.store import IndexStore
    from memem.teams.index_server import free_port, start_chroma
    from memem.teams.membership import add

    origin = team_vault(work, notes)
    port = free_port()
    server = start_chroma(work / "server-data", port)
    rows = []
    try:
        choice = load_embedder(Paths.resolve(work).models_dir)
        choice.embedder.embed([f"warm up {n}: the first runs of a model allocate its buffers" for n in range(256)])
        for label, role in (("kept locally (no server)", None), ("writer, to the server", "writer"),
                            ("reader, same commit", "reader")):  # fmt: skip
            vault = work / f"vault-{role or 'local'}"
            (vault / "memem" / "memories").mkdir(parents=True)
            add(vault, str(origin))
            config = SharedConfig(f"http://127.0.0.1:{port}", None, role) if role else None
            paths = Paths.resolve(vault)
            store = IndexStore(paths, choice, shared=config)
            started = time.perf_counter()
            report = store.reconcile()
            seconds = time.perf_counter() - started
            store.close()
            assert report.added == notes and not report.bad, report
            catalog = sum(f.stat().st_size for f in paths.state.glob("catalog.sqlite3*"))
            rows.append(
                [label, f"{notes:,}", f"{seconds:.1f}", f"{notes / seconds:,.0f}", f"{catalog / notes / 1024:.1f}"]
            )
            print(f"  {rows[-1]}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = float(rows[0][2])
    for row in rows:
        row.insert(4, f"{float(row[2]) / base:.2f}×")
    return rows


STORE_HEADERS = ["vector store", "writes / s", "query p50 ms", "query p95 ms", "disk MB", "KiB / note"]
WRITER_HEADERS = ["team vault indexed", "notes", "seconds", "notes / s", "time vs local", "catalog KiB / note"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="store sizes to measure, comma-separated")
    parser.add_argument("--notes", type=int, default=2000, help="notes in the team vault of the writer part")
    parser.add_argument("--parts", default="store,writer", help="which parts to run: store, writer or both")
    parser.add_argument("--write-readme", action="store_true", help="put the tables of the parts run in README.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    home = Path(tempfile.mkdtemp(prefix="memem-team-bench-"))
    os.environ["MEMEM_DIR"] = str(home / "home")
    models = Path.home() / ".memem" / "models"
    if models.is_dir():  # reuse the ONNX graph built from the weights, if this machine has one
        (home / "home").mkdir(parents=True)
        (home / "home" / "models").symlink_to(models, target_is_directory=True)
    parts = {p.strip() for p in args.parts.split(",")}
    tables = []
    try:
        if "store" in parts:
            print("the store, embedded beside server:", flush=True)
            tables.append(("team-store", STORE_HEADERS, store_part(sizes, home)))
        if "writer" in parts:
            print("the team writer:", flush=True)
            tables.append(("team-writer", WRITER_HEADERS, writer_part(args.notes, home)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for marker, headers, rows in tables:
        print()
        print_table(rows, headers)
        if args.write_readme:
            write_readme_table(REPO / "README.md", marker, headers, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
