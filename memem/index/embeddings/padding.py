"""Running an encoder over batches padded to their own longest text, not to the model's maximum.

Shared by every ONNX encoder memem runs: texts are sorted by token count and cut into batches of
similar length, so a batch of short notes costs what short notes cost, and long texts go in smaller
batches (attention memory grows with rows x length², which would otherwise set the daemon's peak).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    if not encodings:
        return out
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
        out[rows] = run(ids, mask, types)
    return out
