"""Running an encoder over batches padded to their own longest text, not to the model's maximum.

Shared by every ONNX encoder memem runs: texts are sorted by token count and cut into batches of
similar length, so a batch of short notes costs what short notes cost, and long texts go in smaller
batches (attention memory grows with rows x length², which would otherwise set the daemon's peak).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

BATCH = 32
MAX_BATCH_TOKENS = 2048
"""Padded tokens per batch: keeps the daemon's peak memory flat without slowing short notes."""


def run_padded(
    encodings: Sequence[Any],
    run: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    dim: int,
    batch: int = BATCH,
    max_batch_tokens: int = MAX_BATCH_TOKENS,
) -> np.ndarray:
    """`run(ids, mask, token_types)` over length-sorted batches, its rows put back in the order of
    `encodings`.

    `encodings` are tokenizers' Encodings made without padding (of one text, or of a pair for a
    cross-encoder); `run` returns one `dim`-wide row per input row. Padding never changes a row's
    result (the mask hides it), only what a batch costs.
    """
    out = np.empty((len(encodings), dim), np.float32)
    for rows, ids, mask, types in _batches(encodings, batch, max_batch_tokens):
        out[rows] = run(ids, mask, types)
    return out


def run_padded_tokens(
    encodings: Sequence[Any],
    run: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    dim: int,
    batch: int = BATCH,
    max_batch_tokens: int = MAX_BATCH_TOKENS,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """`run_padded` for a `run` that returns (one `dim`-wide row per input row, every token's state):
    the rows, and per encoding its real tokens' states, each L2-normalised (padding cut away)."""
    out = np.empty((len(encodings), dim), np.float32)
    states: list[np.ndarray] = [np.zeros((0, dim), np.float32)] * len(encodings)
    for rows, ids, mask, types in _batches(encodings, batch, max_batch_tokens):
        pooled, tokens = run(ids, mask, types)
        out[rows] = pooled
        for r, j in enumerate(rows):
            real = np.asarray(tokens[r, : len(encodings[j].ids)], np.float32)
            states[j] = real / np.maximum(np.linalg.norm(real, axis=1, keepdims=True), 1e-12)
    return out, states


def _batches(
    encodings: Sequence[Any], batch: int, max_batch_tokens: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(indices into `encodings`, ids, mask, token types) of each length-sorted padded batch."""
    if not encodings:
        return
    lengths = np.array([len(e.ids) for e in encodings])
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(encodings):
        # Sorted by length: the batch's width is its last row's length.
        size = 1
        while (
            size < batch
            and start + size < len(encodings)
            and (size + 1) * int(lengths[order[start + size]]) <= max_batch_tokens
        ):
            size += 1
        rows = order[start : start + size]
        start += size
        width = int(lengths[rows].max())
        ids = np.zeros((len(rows), width), np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        types = np.zeros((len(rows), width), np.int64)
        for r, j in enumerate(rows):
            ids[r, : lengths[j]] = encodings[j].ids
            mask[r, : lengths[j]] = 1
            types[r, : lengths[j]] = encodings[j].type_ids
        yield rows, ids, mask, types


def split_by_length(lengths: Sequence[int], parts: int) -> list[list[int]]:
    """Indices of `lengths` sorted by length and cut into at most `parts` runs of neighbours whose
    padded costs (rows × the longest) are as even as possible: the slowest part sets the wall time.

    Exact (a small dynamic programme): a cross-encoder's few dozen pairs cost nothing to split.
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    n, parts = len(order), max(1, min(parts, len(order)))
    width = [lengths[i] for i in order]

    def cost(start: int, end: int) -> int:  # the padded tokens of order[start:end]
        return (end - start) * width[end - 1]

    # best[k][j]: the least "slowest part" for the first j indices in k parts; cut[k][j] where the last starts.
    best = [[0] + [cost(0, j) for j in range(1, n + 1)]]
    cut = [[0] * (n + 1)]
    for k in range(1, parts):
        row, where = [0] * (n + 1), [0] * (n + 1)
        for j in range(1, n + 1):
            row[j], where[j] = min((max(best[k - 1][i], cost(i, j)), i) for i in range(j))
        best.append(row)
        cut.append(where)
    groups, end = [], n
    for k in range(parts - 1, -1, -1):
        start = cut[k][end] if k else 0
        if end > start:
            groups.append(order[start:end])
        end = start
    return groups[::-1]


def run_split(
    encodings: Sequence[Any],
    run: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    dim: int,
    pool: Executor,
    parts: int,
    batch: int = BATCH,
    max_batch_tokens: int = MAX_BATCH_TOKENS,
) -> np.ndarray:
    """`run_padded` over `parts` length-sorted groups at once, one per worker of `pool`.

    For a latency-bound caller (the cross-encoder before a prompt): on small batches a session with one
    thread per concurrent run keeps the cores busier than one run with several threads, and a group of
    similar lengths pads less than one batch of all of them.
    """
    groups = split_by_length([len(e.ids) for e in encodings], parts)
    if len(groups) < 2:
        return run_padded(encodings, run, dim, batch, max_batch_tokens)
    out = np.empty((len(encodings), dim), np.float32)
    done = [
        (group, pool.submit(run_padded, [encodings[i] for i in group], run, dim, batch, max_batch_tokens))
        for group in groups
    ]
    for group, future in done:
        out[group] = future.result()
    return out
