"""How clean is what memem injects before a prompt? Precision, recall and silence when nothing applies.

    python -m benchmarks.injection_bench

Two sets, each in one run:
- tests/fixtures/injection: 28 developer memories (3 projects + global) and 40 prompts with labelled
  relevant memories: 25 that have one, 10 unrelated requests, 5 trivial ones.
- LoCoMo-dev: each question asked of its own conversation (gold = evidence turns) and of another
  conversation, where nothing relevant exists.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "injection"
LOCOMO = REPO.parent / "shared" / "bench" / "locomo-dev"


def build_fixture_vault(vault: Path) -> None:
    from memem.vault.note import render_new_note

    folder = vault / "memem" / "memories"
    folder.mkdir(parents=True, exist_ok=True)
    for line in (FIXTURE / "memories.jsonl").read_text().splitlines():
        m = json.loads(line)
        props = {"id": m["id"], "title": m["title"], "project": m["project"], "kind": m["kind"], "status": "active"}
        (folder / f"{m['id']}.md").write_text(render_new_note(props, m["body"]))


def measure_fixture(store: Any) -> dict[str, Any]:
    from memem.recall.inject import select
    from memem.recall.query import Query
    from memem.recall.search import search
    from memem.recall.text import is_trivial

    injected = correct = relevant_found = relevant_total = 0
    unrelated = unrelated_silent = trivial = trivial_skipped = 0
    for line in (FIXTURE / "prompts.jsonl").read_text().splitlines():
        p = json.loads(line)
        if p.get("trivial"):
            trivial += 1
            trivial_skipped += is_trivial(p["prompt"])
            continue
        assert not is_trivial(p["prompt"]), p["prompt"]
        hits = search(store, Query(p["prompt"], project=p["project"], limit=10, include_archive=False))
        chosen = {h.row.id for h in select(hits).hits}
        if p["relevant"]:
            injected += len(chosen)
            correct += len(chosen & set(p["relevant"]))
            relevant_found += len(chosen & set(p["relevant"]))
            relevant_total += len(p["relevant"])
        else:
            unrelated += 1
            unrelated_silent += not chosen
    return {
        "precision": correct / max(injected, 1), "recall": relevant_found / max(relevant_total, 1),
        "unrelated_silent": unrelated_silent / max(unrelated, 1), "unrelated": unrelated,
        "trivial_skipped": trivial_skipped / max(trivial, 1), "injected": injected,
    }  # fmt: skip


def measure_locomo(store: Any) -> dict[str, Any]:
    from memem.recall.inject import select
    from memem.recall.query import Query
    from memem.recall.search import search

    other = {"conv-26": "conv-41", "conv-30": "conv-26", "conv-41": "conv-30"}
    n = with_gold = silent_elsewhere = injected = correct = 0
    for line in (LOCOMO / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        gold = set(q.get("gold_ids_audited") or q.get("gold_ids") or [])
        if q["category"] not in (1, 2, 3, 4) or not gold:
            continue
        n += 1
        here = {h.row.id for h in select(search(store, Query(q["question"], project=q["sample_id"], limit=10))).hits}
        injected += len(here)
        correct += len(here & gold)
        with_gold += bool(here & gold)
        elsewhere = select(search(store, Query(q["question"], project=other[q["sample_id"]], limit=10))).hits
        silent_elsewhere += not elsewhere
    return {"queries": n, "precision": correct / max(injected, 1), "gold_injected": with_gold / n,
            "silent_when_nothing_relevant": silent_elsewhere / n}  # fmt: skip


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="memem-inject-bench-"))
    os.environ["MEMEM_DIR"] = str(work / "home")
    sys.path.insert(0, str(REPO))
    from memem.config import Paths
    from memem.index.store import IndexStore

    try:
        vault = work / "fixture"
        build_fixture_vault(vault)
        store = IndexStore(Paths.resolve(vault))
        store.reconcile()
        fixture = measure_fixture(store)
        store.close()
        locomo_vault = work / "locomo"
        shutil.copytree(LOCOMO / "memem", locomo_vault / "memem")
        store = IndexStore(Paths.resolve(locomo_vault))
        store.reconcile()
        locomo = measure_locomo(store)
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nInjected context (UserPromptSubmit policy: trivial skip, cosine floor, relative cut, at most 5)")
    print(f"developer-memory fixture: precision {fixture['precision']:.2f} ({fixture['injected']} injected), "
          f"recall {fixture['recall']:.2f}, silent on unrelated prompts {fixture['unrelated_silent']:.2f} "
          f"({fixture['unrelated']}), trivial prompts skipped {fixture['trivial_skipped']:.2f}")  # fmt: skip
    print(f"LoCoMo-dev ({locomo['queries']} questions): gold injected for {locomo['gold_injected']:.2f} of questions, "
          f"precision against gold {locomo['precision']:.2f} (neighbouring turns count as misses), "
          f"silent when asked of another conversation {locomo['silent_when_nothing_relevant']:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
