"""First-stage candidates: BM25 from the FTS5 index, cosine neighbours from chromadb.

Both apply the query's scope (`memem.index.scope`) before ranking, so a note out of scope never takes a
candidate slot from one that would be shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.text import fts_expression, stripped

POOL = 100
"""Candidates taken from each list (measured on LoCoMo-dev: 50–200 give the same recall)."""


def fulltext(store: IndexStore, q: Query, k: int = POOL) -> list[tuple[int, float]]:
    """(uid, bm25) best first; bm25 is positive, higher is better."""
    expression = fts_expression(q.text)
    return store.catalog.fulltext(expression, q.scope, k) if expression is not None else []


def query_vector(store: IndexStore, text: str) -> np.ndarray:
    """The query's embedding: the mean of the question as asked and without its function words.

    The stripped form reads more like a statement in a note; averaging keeps the question's intent.
    (LoCoMo-dev: +2 points recall@10 for the vector list over the question alone.)
    """
    return _mean_vector(store.embedder.embed_query, text)


def query_vector_and_tokens(store: IndexStore, text: str) -> tuple[np.ndarray, np.ndarray | None]:
    """`query_vector` and, from the same model run, the token states of the question as asked (what
    late interaction compares notes with); None for them when the embedder gives none."""
    embedder = store.token_embedder
    if embedder is None:
        return query_vector(store, text), None
    vectors, states = embedder.embed_query_tokens(_forms(text))
    return _mean(vectors), states[0]


def note_vector(store: IndexStore, text: str) -> np.ndarray:
    """A new note's embedding, to find its near-duplicates: the same mean, in the form the index embeds
    notes (an asymmetric model such as bge embeds a question differently, and would miss them)."""
    return _mean_vector(store.embedder.embed, text)


def _mean_vector(embed: Callable[[Sequence[str]], np.ndarray], text: str) -> np.ndarray:
    return _mean(embed(_forms(text)))


def _forms(text: str) -> list[str]:
    """The question as asked, and without its function words when that differs."""
    short = stripped(text)
    return [text] if not short or short == text else [text, short]


def _mean(vectors: np.ndarray) -> np.ndarray:
    """The forms' embeddings averaged and L2-normalised (one form: its embedding as it is)."""
    if len(vectors) == 1:
        return np.asarray(vectors[0], np.float32)
    mean = vectors.mean(axis=0)
    return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), np.float32)


def vector(store: IndexStore, q: Query, k: int = POOL, qvec: np.ndarray | None = None) -> list[tuple[int, float]]:
    """(uid, cosine similarity) best first, within the query's scope (over-fetched to make up for
    what the scope's status and layer rules drop: chromadb filters by project only)."""
    vec = query_vector(store, q.text) if qvec is None else qvec
    scope = q.scope
    hits = [(h.uid, h.similarity) for h in store.vector_query(vec, k + k // 2, scope.vector_where())]
    team_hits = store.team_vector_hits(vec, k + k // 2, scope.hidden)
    if team_hits:
        hits = sorted([*hits, *team_hits], key=lambda h: -h[1])
    if scope.include_deprecated and scope.include_archive and not scope.hidden and not team_hits:
        return hits[:k]
    keep = store.catalog.admitted([uid for uid, _ in hits], scope)
    return [(uid, similarity) for uid, similarity in hits if uid in keep][:k]
