"""The vector index: chromadb, embedded under the vault's state folder.

One collection per embedding-function name (`memories-<name>`). Vector ids are catalog uids, so a
renamed note keeps its vector. Metadata carries what recall filters on before ranking: project,
status and layer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from memem.config import private_dir
from memem.index.catalog import Row
from memem.index.embeddings import Embedder
from memem.index.scope import GLOBAL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VectorHit:
    uid: int
    similarity: float  # cosine similarity on MiniLM's scale (Embedder.cosine_baseline), 1 = same direction


def collection_name(embedder_name: str) -> str:
    return f"memories-{embedder_name}"


def _metadata(row: Row) -> dict[str, Any]:
    return {
        "note_id": row.id,
        "project": row.project or GLOBAL,
        "status": row.status,
        "layer": row.layer,
        "kind": row.kind,
        # The hash of the text the vector was made from: vectors kept from another catalog (one built
        # again) or another model (switched back to) are trusted again only for notes of that text.
        "embed_hash": row.embed_hash,
    }


class VectorStore:
    def __init__(self, path: Path, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings

        from memem.index.embeddings.chroma_functions import function_for

        private_dir(path)
        self.embedder = embedder
        self.client = chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
        )
        self.collection = self.client.get_or_create_collection(
            collection_name(embedder.name),
            embedding_function=function_for(embedder),  # type: ignore[arg-type]
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._max_batch = max(1, int(self.client.get_max_batch_size()))

    def drop_collection_for(self, embedder_name: str) -> None:
        name = collection_name(embedder_name)
        if name == self.collection.name:
            return
        try:
            self.client.delete_collection(name)
        except Exception as exc:
            log.info("could not drop old collection %s: %s", name, exc)

    def upsert(self, rows: Sequence[Row], vectors: np.ndarray) -> None:
        for start in range(0, len(rows), self._max_batch):
            part = rows[start : start + self._max_batch]
            self.collection.upsert(
                ids=[str(r.uid) for r in part],
                embeddings=vectors[start : start + len(part)],
                metadatas=[_metadata(r) for r in part],
            )

    def update_metadata(self, rows: Sequence[Row]) -> None:
        present = self.ids_of([r.uid for r in rows])
        part = [r for r in rows if r.uid in present]
        for start in range(0, len(part), self._max_batch):
            chunk = part[start : start + self._max_batch]
            self.collection.update(ids=[str(r.uid) for r in chunk], metadatas=[_metadata(r) for r in chunk])

    def delete(self, uids: Sequence[int]) -> None:
        for start in range(0, len(uids), self._max_batch):
            self.collection.delete(ids=[str(u) for u in uids[start : start + self._max_batch]])

    def ids(self) -> set[int]:
        return {int(i) for i in self.collection.get(include=[])["ids"]}

    def hashes(self) -> dict[int, str]:
        """uid -> the hash of the text each stored vector was made from (vectors stored before memem
        kept it have none, and are left out)."""
        got = self.collection.get(include=["metadatas"])
        return {
            int(i): str(meta["embed_hash"])
            for i, meta in zip(got["ids"], got["metadatas"] or [], strict=False)
            if meta and meta.get("embed_hash")
        }

    def ids_of(self, uids: Sequence[int]) -> set[int]:
        if not uids:
            return set()
        return {int(i) for i in self.collection.get(ids=[str(u) for u in uids], include=[])["ids"]}

    def embeddings(self, uids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of these notes (those that have one): consolidation compares notes by them
        without embedding anything again."""
        found: dict[int, np.ndarray] = {}
        for start in range(0, len(uids), self._max_batch):
            part = [str(u) for u in uids[start : start + self._max_batch]]
            got = self.collection.get(ids=part, include=["embeddings"])
            for i, vector in zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else [], strict=False):
                found[int(i)] = np.asarray(vector, np.float32)
        return found

    def count(self) -> int:
        return int(self.collection.count())

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]:
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[vector], n_results=k, where=where or None, include=["distances"]
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        base = self.embedder.cosine_baseline
        return [VectorHit(int(i), (1.0 - float(d) - base) / (1.0 - base)) for i, d in zip(ids, distances, strict=True)]
