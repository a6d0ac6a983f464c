"""Fusing ranked lists: a convex combination of min-max-normalised scores.

Why not reciprocal rank fusion: on LoCoMo-dev the normalised combination beat RRF at every setting
tried (recall@10 0.751 vs 0.717 at best), because it keeps how far ahead a top hit is. Scores are
normalised within each list, so BM25's unbounded scale and cosine's narrow band meet on equal terms.
"""

from __future__ import annotations

from collections.abc import Sequence

VECTOR_WEIGHT = 0.6
"""Share of the vector list in the fused score (tuned on LoCoMo-dev; 0.5–0.65 are within a point)."""


def normalise(ranked: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Scores mapped onto 0..1 within the list (a one-item list scores 1)."""
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    low, high = min(values), max(values)
    span = high - low
    return {uid: (s - low) / span if span > 0 else 1.0 for uid, s in ranked}


def fuse(
    fulltext: Sequence[tuple[int, float]], vector: Sequence[tuple[int, float]], vector_weight: float = VECTOR_WEIGHT
) -> dict[int, float]:
    """uid -> fused score in 0..1. A note missing from one list gets nothing from that list."""
    fused: dict[int, float] = {}
    for weight, ranked in ((1.0 - vector_weight, fulltext), (vector_weight, vector)):
        for uid, score in normalise(ranked).items():
            fused[uid] = fused.get(uid, 0.0) + weight * score
    return fused
