"""A deterministic stand-in for when no model can be had: hashed word and word-pair features.

It is a keyword vector, not a semantic one, and says so: it runs under its own embedding-function
name, so its vectors never share a collection with model vectors, and status/doctor report it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

NAME = "memem-hash-v1"
DIM = 384
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class HashEmbedder:
    name = NAME
    dim = DIM
    description = "deterministic hashed-feature fallback (no language model)"
    cosine_baseline = 0.0  # texts sharing no word are orthogonal

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            features = words + [f"{a} {b}" for a, b in pairwise(words)]
            for feature in features:
                h = zlib.crc32(feature.encode("utf-8"))
                out[row, h % DIM] += 1.0 if (h >> 16) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Keyword features are symmetric: a query is hashed as a note is."""
        return self.embed(texts)
