"""Sentence embeddings for the vector index: the MiniLM model when it can be found, else a fallback.

`MEMEM_EMBEDDER` chooses: `minilm` (float32, exact), `minilm-int8` (weights quantised: faster,
slightly approximate) or `hash` (force the fallback). Unset means DEFAULT_EMBEDDER, falling back to
`hash` with the reasons recorded when the model cannot be found or loaded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

ENV_EMBEDDER = "MEMEM_EMBEDDER"
CHOICES = ("minilm", "minilm-int8", "hash")
DEFAULT_EMBEDDER = "minilm"
log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str  # the chromadb embedding-function name; vectors of two names never share a collection
    dim: int
    description: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbedderChoice:
    embedder: Embedder
    fallback_reasons: list[str] = field(default_factory=list)

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_reasons)


def load_embedder(models_dir: Path) -> EmbedderChoice:
    from memem.index.embeddings.fallback import HashEmbedder

    wanted = (os.environ.get(ENV_EMBEDDER) or DEFAULT_EMBEDDER).strip().lower()
    if wanted not in CHOICES:
        return EmbedderChoice(HashEmbedder(), [f"{ENV_EMBEDDER}={wanted!r} is not one of {', '.join(CHOICES)}"])
    if wanted == "hash":
        return EmbedderChoice(HashEmbedder(), [f"{ENV_EMBEDDER}=hash forces the fallback"])
    from memem.index.embeddings.model_files import find_model

    files, misses = find_model()
    if files is None:
        return EmbedderChoice(HashEmbedder(), misses)
    try:
        from memem.index.embeddings.minilm import MiniLMEmbedder

        precision = "int8" if wanted == "minilm-int8" else "fp32"
        return EmbedderChoice(MiniLMEmbedder(files, models_dir, precision=precision))
    except Exception as exc:  # a broken model file or runtime must not stop memem: degrade and say why
        log.warning("could not load the MiniLM model from %s: %s", files.folder, exc)
        return EmbedderChoice(HashEmbedder(), [*misses, f"{files.origin}: failed to load ({exc})"])
