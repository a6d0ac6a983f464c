"""Fusing ranked lists: a convex combination of min-max-normalised scores.

Why not reciprocal rank fusion: on LoCoMo-dev the normalised combination beat RRF at every setting
tried, because it keeps how far ahead a top hit is. Scores are normalised within each list, so BM25's
unbounded scale and cosine's narrow band meet on equal terms. (Recall figures: the README.)

One guard: a query with no meaning to the model (an error code, a made-up token) gets a flat cosine
list, and plain min-max would stretch its noise to 0..1 and bury the one note that contains the
token. The vector list is therefore scaled by a span of at least `VECTOR_MIN_SPAN` cosine, once it
is long enough (`FLAT_LIST_MIN`) for its spread to say how flat the scores are; in a vault of a few
notes the gap between two candidates is all there is to go on, and it counts in full.
"""

from __future__ import annotations

from collections.abc import Sequence

VECTOR_WEIGHT = 0.6
"""Share of the vector list in the fused score (tuned on LoCoMo-dev; 0.5–0.65 are within a point)."""
VECTOR_MIN_SPAN = 0.2
"""Cosine span below which the vector list counts as flat: natural-language questions spread their
top 100 wider than this, a made-up token narrower. It leaves LoCoMo-dev recall where it was and puts a
unique token's note first (tests/recall/test_ranking.py)."""
FLAT_LIST_MIN = 20
"""Candidates a vector list needs before VECTOR_MIN_SPAN applies."""


def normalise(ranked: Sequence[tuple[int, float]], min_span: float = 0.0) -> dict[int, float]:
    """Scores mapped onto 0..1 within the list (a one-item list scores 1).

    With `min_span`, a list whose scores lie closer together than that is not stretched to the
    full range: its best item scores span / min_span.
    """
    if not ranked:
        return {}
    if len(ranked) == 1:
        return {ranked[0][0]: 1.0}
    values = [s for _, s in ranked]
    low, high = min(values), max(values)
    span = max(high - low, min_span)
    return {uid: (s - low) / span if span > 0 else 1.0 for uid, s in ranked}


def fuse(
    fulltext: Sequence[tuple[int, float]], vector: Sequence[tuple[int, float]], vector_weight: float = VECTOR_WEIGHT
) -> dict[int, float]:
    """uid -> fused score in 0..1. A note missing from one list gets nothing from that list."""
    fused: dict[int, float] = {}
    for weight, scores in (
        (1.0 - vector_weight, normalise(fulltext)),
        (vector_weight, normalise(vector, VECTOR_MIN_SPAN if len(vector) >= FLAT_LIST_MIN else 0.0)),
    ):
        for uid, score in scores.items():
            fused[uid] = fused.get(uid, 0.0) + weight * score
    return fused
