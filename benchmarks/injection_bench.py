"""How clean is what memem injects before a prompt? Gold in the slice, and silence when nothing applies.

    python -m benchmarks.injection_bench

Each set is measured as shipped, without late interaction (`MEMEM_LATE=off`) and without the
cross-encoder (`MEMEM_RERANKER=off`), in one run, through the one inject pipeline the UserPromptSubmit
hook runs (search, select, render):
- tests/fixtures/injection: 28 developer memories (3 projects + global) and 40 prompts with labelled
  relevant memories: 25 that have one, 10 unrelated requests, 5 trivial ones.
- tests/fixtures/injection-tasks: 24 developer memories of three other projects (a Go API, a React
  Native app, a dbt and Airflow pipeline) and 42 prompts, most of them tasks rather than questions:
  25 with a relevant memory, 17 unrelated (many in the same projects' words). It was written after
  the floors were chosen and measured only once they were fixed: a check on prompts they were not
  chosen on.
- tests/fixtures/injection-symptoms: 30 memories of a third team and 60 prompts, most naming a symptom
  whose cause a memory names: 35 with a relevant memory, 19 unrelated, 6 trivial (its README says what
  was changed after it was first measured).
- LoCoMo-dev, as the slice is checked on unseen data: for each fold, a vault of two conversations in
  one project; questions about them (a gold note should be in the slice), questions about the third,
  held-out conversation and 20 trivial prompts (nothing should be injected); median slice tokens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = {
    "developer memories": REPO / "tests" / "fixtures" / "injection",
    "developer tasks (held out)": REPO / "tests" / "fixtures" / "injection-tasks",
    "symptoms and tasks (held out, then used)": REPO / "tests" / "fixtures" / "injection-symptoms",
}
LOCOMO = REPO.parent / "shared" / "bench" / "locomo-dev"
CONVERSATIONS = ("conv-26", "conv-30", "conv-41")
TRIVIAL = (
    "yes", "no", "ok", "continue", "go on", "thanks!", "ok do it", "/clear", "/compact", "sounds good",
    "y", "sure", "great, thanks", "looks good to me", "do it", "next", "perfect", "lgtm", "keep going", "👍",
)  # fmt: skip


CONFIGS = {
    "as shipped": {"MEMEM_RERANKER": "on", "MEMEM_LATE": "on"},
    "no late interaction": {"MEMEM_RERANKER": "on", "MEMEM_LATE": "off"},
    "no cross-encoder": {"MEMEM_RERANKER": "off", "MEMEM_LATE": "on"},
}
"""The stages switched off one at a time (memem reads both settings per search)."""


@contextmanager
def configured(name: str) -> Iterator[None]:
    """The searches inside run with this configuration's stages."""
    before = {key: os.environ.get(key) for key in CONFIGS[name]}
    os.environ.update(CONFIGS[name])
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def indexed(vault: Path) -> Iterator[Any]:
    """The vault's indexes, built from scratch, closed after."""
    from memem.config import Paths
    from memem.index.store import IndexStore

    store = IndexStore(Paths.resolve(vault))
    try:
        store.reconcile()
        yield store
    finally:
        store.close()


def build_fixture_vault(vault: Path, fixture: Path) -> None:
    from memem.vault.note import render_new_note

    folder = vault / "memem" / "memories"
    folder.mkdir(parents=True, exist_ok=True)
    for line in (fixture / "memories.jsonl").read_text().splitlines():
        m = json.loads(line)
        props = {"id": m["id"], "title": m["title"], "project": m["project"], "kind": m["kind"], "status": "active"}
        (folder / f"{m['id']}.md").write_text(render_new_note(props, m["body"]))


def measure_fixture(store: Any, fixture: Path) -> dict[str, Any]:
    from memem.recall.inject import inject
    from memem.recall.text import is_trivial

    injected = correct = relevant_found = relevant_total = 0
    unrelated = unrelated_silent = trivial = trivial_skipped = 0
    for line in (fixture / "prompts.jsonl").read_text().splitlines():
        p = json.loads(line)
        if p.get("trivial"):
            trivial += 1
            trivial_skipped += is_trivial(p["prompt"])
            continue
        assert not is_trivial(p["prompt"]), p["prompt"]
        chosen = set(inject(store, p["prompt"], p["project"], 600).shown)
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
        "trivial_skipped": trivial_skipped / max(trivial, 1), "trivial": trivial, "injected": injected,
    }  # fmt: skip


def build_fold_vault(vault: Path, held_out: str) -> None:
    """The two other conversations' notes, all in one project (`work`)."""
    for conversation in CONVERSATIONS:
        if conversation == held_out:
            continue
        folder = vault / "memem" / "memories" / conversation
        folder.mkdir(parents=True)
        for note in (LOCOMO / "memem" / "memories" / conversation).iterdir():
            text = re.sub(r'^project: ".*"$', 'project: "work"', note.read_text(), count=1, flags=re.M)
            (folder / note.name).write_text(text)


def measure_fold(store: Any, held_out: str) -> dict[str, Any]:
    from memem.recall.inject import inject

    asked = with_gold = absent = silent = 0
    tokens: list[int] = []
    for line in (LOCOMO / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        gold = set(q.get("gold_ids_audited") or q.get("gold_ids") or [])
        if q["category"] not in (1, 2, 3, 4) or not gold:
            continue
        injected = inject(store, q["question"], "work", 600)
        if injected.shown:
            tokens.append(len(injected.markdown) // 4)
        if q["sample_id"] == held_out:
            absent += 1
            silent += not injected.shown
        else:
            asked += 1
            with_gold += bool(gold & set(injected.shown))
    trivial_silent = sum(not inject(store, p, "work", 600).shown for p in TRIVIAL)
    return {
        "gold_in_slice": with_gold / asked, "questions": asked,
        "silent": (silent + trivial_silent) / (absent + len(TRIVIAL)), "nothing_relevant": absent + len(TRIVIAL),
        "median_tokens": statistics.median(tokens) if tokens else 0,
    }  # fmt: skip


def slice_budget(store: Any) -> str:
    """The tokens the slice's cross-encoder may read here (a time budget: it depends on the CPU)."""
    from memem.recall.inject import slice_query
    from memem.recall.rerank import reranker_for

    model = reranker_for(store)
    if model.model is None:
        return "no cross-encoder"
    q = slice_query("", None)
    return f"{model.budget(q.rerank_tokens, q.rerank_ms)} tokens ({model.ms_per_token():.3f} ms per token)"


def main() -> int:
    from memem.cli.blas import one_blas_thread

    one_blas_thread()  # as in memem's processes: the hook's slice runs in the daemon
    work = Path(tempfile.mkdtemp(prefix="memem-inject-bench-"))
    os.environ["MEMEM_DIR"] = str(work / "home")
    sys.path.insert(0, str(REPO))
    from benchmarks.common import print_table

    fixture: dict[tuple[str, str], dict[str, Any]] = {}
    folds: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in CONFIGS}
    budgets: list[str] = []
    try:
        for n, (name, folder) in enumerate(FIXTURES.items()):
            vault = work / f"fixture-{n}"
            build_fixture_vault(vault, folder)
            with indexed(vault) as store:
                for config in CONFIGS:
                    with configured(config):
                        fixture[name, config] = measure_fixture(store, folder)
        if LOCOMO.is_dir():
            for held_out in CONVERSATIONS:
                vault = work / f"without-{held_out}"
                build_fold_vault(vault, held_out)
                with indexed(vault) as store:
                    for config in CONFIGS:
                        with configured(config):
                            folds[config][held_out] = measure_fold(store, held_out)
                    budgets.append(slice_budget(store))
        else:
            print(f"LoCoMo-dev is not at {LOCOMO}: its rows are skipped (see ../shared/bench/locomo-dev/README.md)")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("\nInjected context (the UserPromptSubmit pipeline: trivial skip, relevance floor, at most 5)")
    rows = []
    for (name, config), f in fixture.items():
        rows.append((f"{name}, {config}", f"{f['precision']:.2f} ({f['injected']})", f"{f['recall']:.2f}",
                     f"{f['unrelated_silent']:.2f} ({f['unrelated']})",
                     f"{f['trivial_skipped']:.2f}" if f["trivial"] else "–"))  # fmt: skip
    print_table(rows, ("set", "precision (injected)", "recall", "silent, unrelated", "trivial skipped"))
    if budgets:
        print("\nLoCoMo-dev slice, per fold (vault: the two other conversations in one project; "
              "goal: gold >= 0.70, silent >= 0.90, median <= 600 tokens)")  # fmt: skip
        rows = []
        for config, results in folds.items():
            for held_out, r in results.items():
                rows.append((f"{config}, held out {held_out}", f"{r['gold_in_slice']:.3f} ({r['questions']})",
                             f"{r['silent']:.3f} ({r['nothing_relevant']})", f"{r['median_tokens']:.0f}"))  # fmt: skip
            mean = {k: statistics.mean(r[k] for r in results.values()) for k in ("gold_in_slice", "silent")}
            tokens = statistics.median(r["median_tokens"] for r in results.values())
            rows.append((f"{config}, mean of folds", f"{mean['gold_in_slice']:.3f}", f"{mean['silent']:.3f}",
                         f"{tokens:.0f}"))  # fmt: skip
        print_table(rows, ("slice", "gold in slice (questions)", "nothing injected (prompts)", "median tokens"))
        print(f"the slice's cross-encoder budget on this machine, per fold: {'; '.join(budgets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
