"""Late interaction: the fused first stage's best candidates re-scored by their tokens against the query's.

A sentence vector averages a note into one point, so a note that answers one clause of a question can
sit far from it. Comparing every query token with its best-matching note token (MaxSim, summed over
the query's tokens) keeps that match. The token states are the embedder's own last-layer states (no
second model): the query's come from the run that embeds it, a note's are stored when it is embedded
(`memem.index.token_states`). The cross-encoder that follows then reads better candidates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from memem.index.catalog import Row
from memem.index.store import IndexStore
from memem.index.token_states import SCALE
from memem.recall.fusion import normalise

log = logging.getLogger(__name__)
POOL = 100
"""The fused candidates re-scored."""
WEIGHT = 0.7
"""Share of MaxSim in the new first-stage score (the fused score keeps the rest); both are min-max
normalised over the pool. POOL and WEIGHT were chosen leaving one LoCoMo-dev conversation out at a
time: this weight won in every fold, and the cross-encoder's recall@10 rose in every held-out one."""
FLOOR = 1e-6
"""The least a re-scored candidate scores (min-max puts the pool's last at 0): the rest go below it."""
MAX_MISSING = 32
"""Pool notes whose token states may be computed during a query (and stored); with more missing (a
vault being indexed), the stage is skipped for that query rather than make it wait."""
CHUNK_TOKENS = 1024
"""Note tokens scored in one product. Their float32 block (1.5 MB at 384 dims) stays under the daemon's
4 MB mapping threshold (`memem.daemon.heap`), so it is reused from the heap: the whole pool's block at
once (about 12 MB for a hundred notes) was mapped and faulted in afresh at every query."""


def maxsim(query: np.ndarray, note: np.ndarray) -> float:
    """Sum over the query's tokens of its best dot product with any of the note's tokens."""
    return float(maxsims(query, [note])[0])


def maxsims(query: np.ndarray, notes: Sequence[np.ndarray], unit: float = 1.0) -> np.ndarray:
    """`maxsim` of each note, the notes' states as floats or as stored (int8, with `unit` standing for
    1.0: `token_states.SCALE`). Many notes' tokens side by side in each product (a hundred small
    products, one per note, cost their call overhead many times over), but at most CHUNK_TOKENS."""
    out = np.zeros(len(notes), np.float32)
    kept = [i for i, note in enumerate(notes) if len(note)]
    if not len(query) or not kept:
        return out
    scaled = np.asarray(query, np.float32) / np.float32(unit)  # one division of the query, not of every note
    for chunk in _chunks(kept, [len(note) for note in notes]):
        block = np.concatenate([notes[i] for i in chunk], dtype=np.float32)
        starts = np.cumsum([0] + [len(notes[i]) for i in chunk[:-1]])
        best = np.maximum.reduceat(scaled @ block.T, starts, axis=1)  # (query tokens, notes)
        out[chunk] = best.sum(axis=0)
    return out


def _chunks(kept: list[int], lengths: list[int]) -> list[list[int]]:
    """`kept` cut in order into runs of at most CHUNK_TOKENS tokens (a longer note alone)."""
    chunks: list[list[int]] = [[]]
    tokens = 0
    for i in kept:
        if chunks[-1] and tokens + lengths[i] > CHUNK_TOKENS:
            chunks.append([])
            tokens = 0
        chunks[-1].append(i)
        tokens += lengths[i]
    return chunks


def rescore(
    store: IndexStore,
    query_states: np.ndarray,
    fused: dict[int, float],
    rows: dict[int, Row],
    signals: dict[int, dict[str, Any]],
) -> dict[int, float]:
    """`fused` with its POOL best re-scored (WEIGHT × MaxSim + the rest × fused, both normalised over
    the pool), and the rest after them in their fused order; `fused` itself when the stage cannot run
    (no token states, too many of the pool's missing). Adds each re-scored note's "late" signal."""
    states = store.token_states
    if states is None or not fused or not len(query_states):
        return fused
    ordered = sorted(fused, key=lambda uid: (-fused[uid], uid))
    pool = [uid for uid in ordered[:POOL] if uid in rows]
    notes = _note_states(store, [rows[uid] for uid in pool])
    if notes is None:
        return fused
    scored = maxsims(query_states, [notes[uid] for uid in pool], SCALE)
    sims = list(zip(pool, (float(v) for v in scored), strict=True))
    first = normalise([(uid, fused[uid]) for uid in pool])
    late = normalise(sims)
    raw = dict(sims)
    scores = {uid: (1.0 - WEIGHT) * first[uid] + WEIGHT * late[uid] for uid in pool}
    out: dict[int, float] = {}
    for rank, uid in enumerate(sorted(pool, key=lambda u: (-scores[u], u)), 1):
        signals.setdefault(uid, {})["late"] = {"rank": rank, "maxsim": round(raw[uid], 4)}
        out[uid] = max(scores[uid], FLOOR)
    # Below every re-scored candidate, in fused order.
    lowest = min(out.values(), default=1.0)
    rest = [uid for uid in ordered if uid not in out]
    top_rest = fused[rest[0]] if rest else 1.0
    for uid in rest:
        out[uid] = 0.5 * lowest * fused[uid] / max(top_rest, 1e-9)
    return out


def _note_states(store: IndexStore, rows: Sequence[Row]) -> dict[int, np.ndarray] | None:
    """uid -> token states of `rows` as stored (int8), those missing or stale computed now (and stored)
    if few enough: a note scores the same whether its states were stored before or made now."""
    assert store.token_states is not None
    stored = store.token_states.get([r.uid for r in rows])
    found = {r.uid: stored[r.uid][1] for r in rows if r.uid in stored and stored[r.uid][0] == r.embed_hash}
    missing = [r for r in rows if r.uid not in found]
    if len(missing) > MAX_MISSING:
        return None
    if missing:
        try:
            found.update(store.compute_token_states(missing))
        except Exception as exc:  # the stage is a refinement: a model that fails here must not fail the search
            log.warning("could not compute token states for late interaction (%s: %s)", type(exc).__name__, exc)
            return None
    return found
