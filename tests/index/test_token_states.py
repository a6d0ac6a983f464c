"""Token states for late interaction: the graph's second output, the embedders' `embed_tokens`, their
int8 store, and the index store keeping them in step with the notes (real model, SQLite, chromadb)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice, token_embedder
from memem.index.embeddings.bert_graph import GRAPH_VERSION, TOKEN_STATES
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.embeddings.minilm import MiniLMEmbedder, _cache_key, _fp32_model
from memem.index.embeddings.model_files import ModelFiles, find_model
from memem.index.store import IndexStore
from memem.index.token_states import SCALE, TokenStates, quantised
from memem.testing import CountingEmbedder, write_note

REFERENCE = json.loads((Path(__file__).parents[1] / "fixtures" / "minilm_reference.json").read_text())


def _files() -> ModelFiles:
    files, misses = find_model()
    assert files is not None, misses
    return files


def test_the_graph_gives_token_states_and_the_same_sentence_vectors(minilm: MiniLMEmbedder, model_cache: Path) -> None:
    """The second output changes no bit of the first: compared with the same graph without it."""
    import onnx
    import onnxruntime as ort

    path = _fp32_model(_files(), model_cache)
    model = onnx.load(str(path))
    assert [o.name for o in model.graph.output] == ["embeddings", TOKEN_STATES]
    del model.graph.output[1]
    without = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    encodings = minilm._encode(REFERENCE["texts"])
    for encoding in encodings:
        ids = np.array([encoding.ids], np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        pooled, states = minilm._run_tokens(ids, np.ones_like(ids), np.zeros_like(ids))
        assert np.array_equal(pooled, without.run(None, feeds)[0])
        assert states.shape == (1, len(encoding.ids), 384)


def test_a_graph_built_before_token_states_is_rebuilt(model_cache: Path) -> None:
    files = _files()
    path = _fp32_model(files, model_cache)
    weights = files.folder / "model.safetensors"
    assert _cache_key(weights, GRAPH_VERSION) in path.name and _cache_key(weights, "v1") not in path.name


def test_embed_tokens_is_embed_plus_each_texts_token_states(minilm: MiniLMEmbedder) -> None:
    texts = REFERENCE["texts"]
    vectors, states = minilm.embed_tokens(texts)
    assert np.array_equal(vectors, minilm.embed(texts))
    encodings = minilm._encode(texts)
    assert [s.shape for s in states] == [(len(e.ids), 384) for e in encodings]  # [CLS] and [SEP] included
    assert all(s.dtype == np.float32 and np.allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-5) for s in states)
    assert minilm.embed_tokens(["a word " * 400])[1][0].shape == (256, 384)  # truncated as the model reads it
    # Independent of batch mates (per-batch padding is masked out).
    for text, together in zip(texts, states, strict=True):
        assert np.abs(minilm.embed_tokens([text])[1][0] - together).max() < 1e-5
    query_vectors, query_states = minilm.embed_query_tokens(texts[:2])
    assert np.abs(query_vectors - vectors[:2]).max() < 1e-5  # (other batch mates: float noise only)
    assert all(np.abs(a - b).max() < 1e-5 for a, b in zip(query_states, states[:2], strict=True))
    assert minilm.embed_tokens([])[0].shape == (0, 384) and minilm.embed_tokens([])[1] == []


def test_the_int8_variants_keep_the_token_states(model_cache: Path, minilm: MiniLMEmbedder) -> None:
    texts = REFERENCE["texts"][:3]
    _, exact = minilm.embed_tokens(texts)
    for precision in ("int8", "int8-ffn"):
        model = MiniLMEmbedder(_files(), model_cache, precision=precision)
        vectors, states = model.embed_tokens(texts)
        assert np.array_equal(vectors, model.embed(texts))
        for ours, theirs in zip(states, exact, strict=True):
            assert ours.shape == theirs.shape
            assert float(np.mean(np.sum(ours * theirs, axis=1))) > 0.9  # close to the float model's


def test_an_exported_bert_model_gives_token_states_too(
    tmp_path: Path, model_cache: Path, minilm: MiniLMEmbedder
) -> None:
    """A ready ONNX export (chromadb's) returns the last layer's states and memem pools: the same states."""
    import onnx

    files = _files()
    model = onnx.load(str(_fp32_model(files, model_cache)))
    del model.graph.output[0]  # an export's one output: the token states
    folder = tmp_path / "export"
    folder.mkdir()
    onnx.save(model, str(folder / "model.onnx"))
    shutil.copy(files.tokenizer, folder / "tokenizer.json")
    exported = MiniLMEmbedder(ModelFiles(folder, "onnx", "a test export"), tmp_path / "models")
    assert not exported._pooled
    texts = REFERENCE["texts"]
    vectors, states = exported.embed_tokens(texts)
    want_vectors, want_states = minilm.embed_tokens(texts)
    assert np.abs(vectors - want_vectors).max() < 1e-5 and np.array_equal(vectors, exported.embed(texts))
    assert all(np.abs(a - b).max() < 1e-5 for a, b in zip(states, want_states, strict=True))


def test_the_fallback_has_no_token_states(minilm: MiniLMEmbedder) -> None:
    assert token_embedder(HashEmbedder()) is None  # type: ignore[arg-type]
    assert token_embedder(CountingEmbedder(HashEmbedder())) is None  # type: ignore[arg-type]
    assert token_embedder(minilm) is minilm


# --- the int8 store -------------------------------------------------------------------------------------
def test_int8_round_trip_loses_little() -> None:
    rng = np.random.default_rng(0)
    states = rng.normal(size=(7, 384)).astype(np.float32)
    states /= np.linalg.norm(states, axis=1, keepdims=True)
    kept = quantised(states)
    back = kept.astype(np.float32) / SCALE
    assert back.shape == (7, 384) and back.dtype == np.float32
    assert np.abs(back - states).max() <= 0.5 / 127 + 1e-6
    assert kept.nbytes == 7 * 384  # a byte a value


def test_put_get_delete_and_a_new_model_starts_empty(tmp_path: Path) -> None:
    db = tmp_path / "state" / "token_states.sqlite3"
    store = TokenStates(db, "model-a")
    one, two = np.eye(3, 384, dtype=np.float32), np.eye(5, 384, dtype=np.float32)
    put = store.put([(1, "h1", one), (2, "h2", two)])
    got = store.get([1, 2, 3])
    assert set(put) == {1, 2} and all(np.array_equal(put[u], got[u][1]) for u in put)  # what it stored
    assert set(got) == {1, 2} and got[1][0] == "h1" and np.allclose(got[2][1] / SCALE, two)
    assert got[2][1].dtype == np.int8  # as stored: late interaction scores them so
    store.put([(1, "h1b", two)])
    assert store.get([1])[1][0] == "h1b" and store.get([1])[1][1].shape == (5, 384)
    assert store.uids() == {1, 2} and store.hashes() == {1: "h1b", 2: "h2"}
    store.delete([1])
    assert store.uids() == {2}
    store.close()
    assert TokenStates(db, "model-a").uids() == {2}  # kept across opens
    assert TokenStates(db, "model-b").uids() == set()  # another model's states are never compared


def test_a_damaged_database_is_set_aside_and_started_anew(tmp_path: Path) -> None:
    db = tmp_path / "state" / "token_states.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"not a database at all" * 100)
    store = TokenStates(db, "m")
    store.put([(1, "h", np.eye(2, 384, dtype=np.float32))])
    assert store.uids() == {1}
    assert len(list(db.parent.glob("token_states.sqlite3.damaged-*"))) == 1


# --- the index store ------------------------------------------------------------------------------------
def _notes(vault: Path, n: int) -> None:
    for i in range(n):
        write_note(vault, f"Note {i}", f"Fact number {i}: the service on port {8000 + i} restarts nightly.", id=f"n{i}")


def test_token_states_are_stored_as_notes_are_embedded(
    store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    _notes(fresh_vault, 4)
    phases: list[str] = []
    report = store.reconcile(progress=lambda phase, done, total: phases.append(phase))
    assert report.embedded == 4 and report.token_states == 0 and "token states" not in phases
    assert len(embedder.texts) == 4  # one model run per note: vectors and states together
    assert store.token_states is not None
    rows = {r.uid: r for r in store.catalog.rows()}
    stored = store.token_states.get(list(rows))
    assert set(stored) == set(rows) and all(stored[u][0] == rows[u].embed_hash for u in rows)
    # An edit re-embeds and replaces the states; a delete removes them.
    write_note(fresh_vault, "Note 0", "Changed: the service on port 9000 restarts weekly.", id="n0")
    (fresh_vault / "memem/memories/Note 1.md").unlink()
    store.reconcile()
    rows = {r.uid: r for r in store.catalog.rows()}
    assert store.token_states.hashes() == {u: r.embed_hash for u, r in rows.items()}
    assert len(embedder.texts) == 5


def test_a_vault_indexed_before_gets_its_token_states_in_a_backfill(
    store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    _notes(fresh_vault, 5)
    store.reconcile()
    assert store.token_states is not None
    uids = sorted(store.token_states.uids())
    store.token_states.delete(uids[:3])  # as before token states were kept
    store.token_states.put([(uids[3], "another text", np.eye(2, 384, dtype=np.float32))])  # stale
    embedder.texts.clear()
    progress: list[tuple[str, int, int]] = []
    report = store.reconcile(progress=lambda *p: progress.append(p))
    assert report.token_states == 4 and report.embedded == 0
    assert len(embedder.texts) == 4  # once per such note
    assert ("token states", 4, 4) in progress
    rows = {r.uid: r for r in store.catalog.rows()}
    assert store.token_states.hashes() == {u: r.embed_hash for u, r in rows.items()}
    embedder.texts.clear()
    assert store.reconcile().token_states == 0 and embedder.texts == []


def test_the_orphan_sweep_covers_token_states(store: IndexStore, fresh_vault: Path) -> None:
    _notes(fresh_vault, 2)
    store.reconcile()
    assert store.token_states is not None
    store.token_states.put([(999, "gone", np.eye(2, 384, dtype=np.float32))])
    store.sweep_orphan_vectors()
    assert 999 not in store.token_states.uids() and len(store.token_states.uids()) == 2


def test_the_fallback_embedder_keeps_no_token_states(paths: Paths, fresh_vault: Path) -> None:
    _notes(fresh_vault, 2)
    s = IndexStore(paths, EmbedderChoice(HashEmbedder()))  # type: ignore[arg-type]
    try:
        s.reconcile()
        assert s.token_states is None and not (paths.state / "token_states.sqlite3").exists()
    finally:
        s.close()


def test_states_made_a_few_notes_at_a_time_still_go_to_their_own_notes(
    store: IndexStore, fresh_vault: Path, minilm: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The states are made TOKEN_BATCH notes at a time, in order of length: each note's vector and
    states are still its own text's."""
    import memem.index.store as store_module

    monkeypatch.setattr(store_module, "TOKEN_BATCH", 3)
    for i in range(11):  # lengths out of order, so sorting moves them
        write_note(fresh_vault, f"Note {i}", "word " * ((i * 7) % 11 + 1) + f"fact {i}.", id=f"n{i}")
    assert store.reconcile().embedded == 11 and store.token_states is not None
    rows = {r.uid: r for r in store.catalog.rows()}
    texts = store._embed_texts(list(rows.values()))
    expected_vectors, expected_states = minilm.embed_tokens(texts)
    vectors = store.vectors.embeddings(list(rows))
    stored = store.token_states.get(list(rows))
    for row, vector, states in zip(rows.values(), expected_vectors, expected_states, strict=True):
        assert np.allclose(vectors[row.uid], vector, atol=1e-5)
        assert stored[row.uid][0] == row.embed_hash and stored[row.uid][1].shape == states.shape
        assert np.all(np.abs(stored[row.uid][1] / SCALE - states) <= 0.5 / 127 + 1e-5)


def test_with_late_interaction_off_no_token_states_are_made_until_it_is_on_again(
    paths: Paths, fresh_vault: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _notes(fresh_vault, 3)
    monkeypatch.setenv("MEMEM_LATE", "off")
    off = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    try:
        assert off.reconcile().embedded == 3 and off.token_states is None
        assert not (paths.state / "token_states.sqlite3").exists()
    finally:
        off.close()
    monkeypatch.setenv("MEMEM_LATE", "on")
    embedder.texts.clear()
    on = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    try:
        report = on.reconcile()
        assert report.embedded == 0 and report.token_states == 3 and len(embedder.texts) == 3
    finally:
        on.close()


def test_a_note_the_model_refuses_in_a_backfill_holds_back_no_other(
    store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _notes(fresh_vault, 3)
    store.reconcile()
    assert store.token_states is not None
    store.token_states.delete(store.token_states.uids())
    real = embedder.inner.embed_tokens

    def refuse_note_1(texts: list[str]) -> object:
        if any("port 8001" in t for t in texts):
            raise RuntimeError("refused")
        return real(texts)

    monkeypatch.setattr(embedder, "embed_tokens", refuse_note_1)
    assert store.reconcile().token_states == 2
    assert len(store.token_states.uids()) == 2
