"""Sentence embeddings for the vector index: the MiniLM model when it can be found, else a fallback.

`MEMEM_EMBEDDER` chooses: `minilm` (float32, exact), `minilm-int8-ffn` (feed-forward layers in int8),
`minilm-int8` (every dense layer in int8: fastest, slightly approximate) or `hash` (force the fallback).
Unset, or `auto`, picks by CPU: `minilm-int8-ffn` where the CPU has VNNI instructions (int8 dot
products accumulated exactly, so the quantised model tracks the float one: LoCoMo-dev recall within
noise, 1.4x the indexing rate), `minilm` elsewhere (without VNNI, int8 products saturate and the
speed-up is smaller). `auto` never switches an index that already holds MiniLM vectors: it keeps their
precision, so an upgrade or a move to another CPU costs no re-embedding. When the model cannot be
found or loaded, `hash` runs with the reasons recorded.
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
CHOICES = ("auto", "minilm", "minilm-int8-ffn", "minilm-int8", "hash")
DEFAULT_EMBEDDER = "auto"
PRECISION_OF = {"minilm": "fp32", "minilm-int8-ffn": "int8-ffn", "minilm-int8": "int8"}
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
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
    why: str = ""  # how the embedder was picked, for `memem status`

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_reasons)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags on Linux; empty elsewhere or when unreadable (then nothing is assumed)."""
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def auto_choice(flags: frozenset[str], indexed_with: str | None = None) -> tuple[str, str]:
    """(embedder, why) for `auto`, from the CPU's flags and the function of the vectors already indexed."""
    from memem.index.embeddings.minilm import NAMES

    kept = next((p for p, name in NAMES.items() if name == indexed_with), None)
    if kept is not None:
        choice = next(c for c, p in PRECISION_OF.items() if p == kept)
        return choice, f"auto: kept {choice}, which the indexed vectors use"
    vnni = sorted(VNNI_FLAGS & flags)
    if vnni:
        return "minilm-int8-ffn", f"auto: the CPU has {vnni[0]}, so the feed-forward layers run in int8"
    return "minilm", "auto: no VNNI on this CPU, so the model runs in float32"


def load_embedder(models_dir: Path, indexed_with: str | None = None) -> EmbedderChoice:
    """The embedder to use; `indexed_with` is the embedding function of the vectors already indexed."""
    from memem.index.embeddings.fallback import HashEmbedder

    wanted = (os.environ.get(ENV_EMBEDDER) or DEFAULT_EMBEDDER).strip().lower()
    why = f"{ENV_EMBEDDER}={wanted}"
    if wanted == "auto":
        wanted, why = auto_choice(cpu_flags(), indexed_with)
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

        return EmbedderChoice(MiniLMEmbedder(files, models_dir, precision=PRECISION_OF[wanted]), why=why)
    except Exception as exc:  # a broken model file or runtime must not stop memem: degrade and say why
        log.warning("could not load the MiniLM model from %s: %s", files.folder, exc)
        return EmbedderChoice(HashEmbedder(), [*misses, f"{files.origin}: failed to load ({exc})"])
