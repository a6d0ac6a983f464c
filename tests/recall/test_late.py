"""Late interaction between the fused first stage and the cross-encoder, on small real vaults (real
SQLite, chromadb and model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.store import IndexStore
from memem.index.token_states import SCALE
from memem.recall import candidates, late
from memem.recall.fusion import fuse
from memem.recall.query import Query, parse_query
from memem.recall.search import search
from memem.testing import CountingEmbedder, write_note

QUESTION = "Which port does the billing service listen on?"


def _vault(vault: Path, n: int = 8) -> None:
    write_note(vault, "Billing", "The billing service listens on port 8443 behind the gateway.", id="billing")
    write_note(vault, "Search", "The search service is written in Rust and listens on port 9200.", id="search")
    for i in range(n):
        write_note(vault, f"Plants {i}", f"The office plants on floor {i} need water every Tuesday.", id=f"plants{i}")


def test_maxsim_sums_each_query_tokens_best_match() -> None:
    query = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    note = np.array([[0.6, 0.8], [1.0, 0.0]], np.float32)
    assert late.maxsim(query, note) == pytest.approx(1.0 + 0.8)
    assert late.maxsim(query, np.zeros((0, 2), np.float32)) == 0.0


def test_the_stage_rescores_the_pool_and_says_so(store: IndexStore, fresh_vault: Path) -> None:
    _vault(fresh_vault)
    store.reconcile()
    hits = search(store, Query(QUESTION, rerank=0))
    assert hits[0].row.id == "billing"
    late_signals = [h.signals["late"] for h in hits if "late" in h.signals]
    assert late_signals and sorted(s["rank"] for s in late_signals) == list(range(1, len(late_signals) + 1))
    top = hits[0]
    assert top.signals["late"]["rank"] == 1 and top.signals["late"]["maxsim"] > 0
    assert "late interaction #1" in top.reasons


def test_the_new_score_is_the_weighted_mix_of_both_normalised(store: IndexStore, fresh_vault: Path) -> None:
    """WEIGHT × normalised MaxSim + the rest × normalised fused, MaxSim computed from the stored states."""
    _vault(fresh_vault)
    store.reconcile()
    q = Query(QUESTION)
    qvec, qstates = candidates.query_vector_and_tokens(store, q.text)
    assert qstates is not None and np.allclose(qvec, candidates.query_vector(store, q.text), atol=1e-5)
    fused = fuse(candidates.fulltext(store, q), candidates.vector(store, q, qvec=qvec))
    rows = store.catalog.by_uid(fused)
    signals: dict[int, dict[str, object]] = {}
    out = late.rescore(store, qstates, fused, rows, signals)
    assert store.token_states is not None
    stored = store.token_states.get(list(fused))
    sims = {u: late.maxsim(qstates, stored[u][1] / SCALE) for u in fused}
    lo, hi = min(sims.values()), max(sims.values())
    flo, fhi = min(fused.values()), max(fused.values())
    for uid in fused:
        want = (1 - late.WEIGHT) * (fused[uid] - flo) / (fhi - flo) + late.WEIGHT * (sims[uid] - lo) / (hi - lo)
        assert out[uid] == pytest.approx(want, abs=1e-6)  # (the last is lifted to FLOOR)


def test_candidates_past_the_pool_keep_their_order_below_it(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vault(fresh_vault)
    store.reconcile()
    monkeypatch.setattr(late, "POOL", 3)
    q = Query(QUESTION)
    qvec, qstates = candidates.query_vector_and_tokens(store, q.text)
    assert qstates is not None
    fused = fuse(candidates.fulltext(store, q), candidates.vector(store, q, qvec=qvec))
    signals: dict[int, dict[str, object]] = {}
    out = late.rescore(store, qstates, fused, store.catalog.by_uid(fused), signals)
    first = sorted(fused, key=lambda u: (-fused[u], u))
    pool, rest = set(first[:3]), first[3:]
    assert set(signals) == pool
    assert min(out[u] for u in pool) > max(out[u] for u in rest)
    assert sorted(rest, key=lambda u: -out[u]) == rest


def test_missing_states_are_computed_on_the_spot_and_kept(
    store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    _vault(fresh_vault)
    store.reconcile()
    assert store.token_states is not None
    billing = next(r for r in store.catalog.rows() if r.id == "billing")
    store.token_states.delete([billing.uid])
    embedder.texts.clear()
    hits = search(store, Query(QUESTION, rerank=0))
    assert "late" in next(h for h in hits if h.id == "billing").signals
    assert billing.uid in store.token_states.uids()
    assert sum("port 8443" in t for t in embedder.texts) == 1


def test_with_too_many_missing_the_stage_is_skipped(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vault(fresh_vault)
    store.reconcile()
    assert store.token_states is not None
    store.token_states.delete(store.token_states.uids())
    monkeypatch.setattr(late, "MAX_MISSING", 2)
    hits = search(store, Query(QUESTION, rerank=0))
    assert hits and not any("late" in h.signals for h in hits)
    assert store.token_states.uids() == set()  # nothing computed for a stage that did not run


def test_off_by_setting_by_query_by_mode_and_without_token_states(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch, paths: Paths
) -> None:
    _vault(fresh_vault)
    store.reconcile()

    def has_late(q: Query, s: IndexStore = store) -> bool:
        return any("late" in h.signals for h in search(s, q))

    assert has_late(Query(QUESTION, rerank=0))
    assert not has_late(Query(QUESTION, rerank=0, late=False))
    assert not has_late(parse_query({"query": QUESTION, "late": False, "rerank": False}))
    assert parse_query({"query": QUESTION}).late
    assert not has_late(Query(QUESTION, rerank=0, mode="vector"))
    assert not has_late(Query(QUESTION, rerank=0, mode="fulltext"))
    monkeypatch.setenv("MEMEM_LATE", "off")
    assert not has_late(Query(QUESTION, rerank=0))
    monkeypatch.setenv("MEMEM_LATE", "on")
    store.close()
    hashed = IndexStore(paths, EmbedderChoice(HashEmbedder()))  # type: ignore[arg-type]
    try:
        hashed.reconcile()
        assert search(hashed, Query(QUESTION, rerank=0)) and not has_late(Query(QUESTION, rerank=0), hashed)
    finally:
        hashed.close()


def test_the_cross_encoder_reads_the_late_order(store: IndexStore, fresh_vault: Path) -> None:
    """With the cross-encoder on, both stages' signals are there and the answer stays first."""
    _vault(fresh_vault)
    store.reconcile()
    hits = search(store, Query(QUESTION))
    assert hits[0].row.id == "billing"
    assert "late" in hits[0].signals


@pytest.mark.parametrize("chunk", [10_000, 10, 1])
def test_maxsims_of_many_notes_equal_each_notes_own(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stacked products give what one product per note gives, empty notes included, whether the
    notes fit one product or are cut into many (a note longer than a product's share alone)."""
    monkeypatch.setattr(late, "CHUNK_TOKENS", chunk)
    rng = np.random.default_rng(7)
    query = rng.standard_normal((9, 16)).astype(np.float32)
    notes = [rng.standard_normal((n, 16)).astype(np.float32) for n in (3, 0, 1, 40, 0, 7, 4, 5)]
    one_by_one = [float((query @ n.T).max(axis=1).sum()) if len(n) else 0.0 for n in notes]
    assert late.maxsims(query, notes) == pytest.approx(one_by_one, rel=1e-5)
    assert list(late.maxsims(query, [])) == [] and late.maxsims(query[:0], notes).tolist() == [0.0] * 8


def test_maxsims_of_stored_int8_states_equal_their_float_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scored as stored (int8, `unit` for 1.0): what the dequantised states score."""
    monkeypatch.setattr(late, "CHUNK_TOKENS", 8)
    rng = np.random.default_rng(3)
    query = rng.standard_normal((5, 32)).astype(np.float32)
    notes = [rng.integers(-127, 128, (n, 32)).astype(np.int8) for n in (6, 0, 9, 2)]
    floats = [n.astype(np.float32) / SCALE for n in notes]
    assert late.maxsims(query, notes, SCALE) == pytest.approx(late.maxsims(query, floats), rel=1e-5, abs=1e-6)


def test_a_note_scores_the_same_whether_its_states_were_stored_or_made_now(
    store: IndexStore, fresh_vault: Path
) -> None:
    """States computed during a query are scored as they will be stored (int8): the next query, which
    reads them back, gives the note the same MaxSim."""
    _vault(fresh_vault)
    store.reconcile()
    assert store.token_states is not None
    billing = next(r for r in store.catalog.rows() if r.id == "billing")
    store.token_states.delete([billing.uid])

    def billing_maxsim() -> float:
        hit = next(h for h in search(store, Query(QUESTION, rerank=0)) if h.id == "billing")
        return float(hit.signals["late"]["maxsim"])

    made_now = billing_maxsim()
    assert billing.uid in store.token_states.uids()
    assert billing_maxsim() == made_now


def test_the_slice_before_a_prompt_runs_it_too(store: IndexStore, fresh_vault: Path) -> None:
    """The search the hook's pipeline runs (`inject.slice_query`) re-scores by late interaction as any
    search does."""
    from memem.recall.inject import slice_query

    _vault(fresh_vault)
    store.reconcile()
    hits = search(store, slice_query(QUESTION, None))
    assert hits and hits[0].row.id == "billing"
    assert "late" in hits[0].signals and "late interaction #1" in hits[0].reasons
