"""The team vaults' vectors on a Chroma server, shared by everyone in the team.

With `MEMEM_CHROMA_URL` set, a note of a team vault is embedded once for the whole team: its vector is
kept on the server under the note's id, with the hash of the text it was made from. Before embedding,
a daemon asks the server which of its pending notes are there already with the same hash and takes
those as done; so two machines indexing the same commit write each vector at most once each (an
upsert by id: never a double), a second writer finds the work done, a reader (`MEMEM_CHROMA_ROLE=reader`)
only ever asks, and after an outage nothing is re-embedded that did not change. The person's own notes
never go to the server.

The server is another machine: every call may fail. A failure marks the index unreachable (recall
then ranks team notes by full text alone, and `memem status` says so), leaves the notes' vectors
marked stale in the catalog, and is retried later; it never fails a reconcile or a search.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from memem.errors import Unavailable
from memem.index.catalog import Row
from memem.index.embeddings import Embedder
from memem.index.scope import GLOBAL

log = logging.getLogger(__name__)

TIMEOUT = 5.0
"""Seconds any one call to the server may take (chromadb's own client waits for ever)."""
HEARTBEAT = 2.0
"""Seconds the heartbeat before connecting may take: a server that will not answer it is taken as down."""
RETRY_AFTER = 30.0
"""Seconds between tries while the server is unreachable, and between a reader's checks for vectors
a writer may have added since."""


class SharedUnavailable(Unavailable):
    """The team index on the Chroma server cannot answer (down, unreachable, or refusing the token)."""


@dataclass(frozen=True)
class SharedConfig:
    url: str
    token: str | None
    role: str  # "writer" or "reader"

    @property
    def shown_url(self) -> str:
        """The address as it may be printed: without any credentials in it."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "") + (parts.path or "")


def collection_name(team: str, embedder_name: str) -> str:
    return f"memem-team-{team}-{embedder_name}"


class SharedIndex:
    def __init__(self, config: SharedConfig, embedder: Embedder) -> None:
        self.config = config
        self.embedder = embedder
        self._client: Any = None
        self._collections: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.reachable: bool | None = None  # None: not asked yet
        self.last_error: str | None = None
        self.last_try = 0.0
        self.last_ok: float | None = None

    @property
    def writer(self) -> bool:
        return self.config.role != "reader"

    # --- the connection -----------------------------------------------------------------------------
    def _connect(self) -> Any:
        import chromadb
        import httpx
        from chromadb.config import Settings

        parts = urlsplit(self.config.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SharedUnavailable(f"MEMEM_CHROMA_URL must be an http(s) address, not {self.config.shown_url!r}")
        headers = {"x-chroma-token": self.config.token} if self.config.token else {}
        client = chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            headers=headers,
            settings=Settings(anonymized_telemetry=False),
        )
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):  # bounded: a hung server must not hang recall
            session.timeout = httpx.Timeout(TIMEOUT, connect=3.0)
        return client

    def _check_alive(self) -> None:
        """A bounded heartbeat before chromadb's client is built: its constructor calls the server with no
        timeout at all, and a server that accepts connections but never answers would hang it."""
        import httpx

        headers = {"x-chroma-token": self.config.token} if self.config.token else {}
        url = self.config.url.rstrip("/") + "/api/v2/heartbeat"
        try:
            answer = httpx.get(url, headers=headers, timeout=httpx.Timeout(HEARTBEAT))
        except httpx.HTTPError as exc:
            raise SharedUnavailable(f"no answer ({type(exc).__name__})") from None
        if answer.status_code in (401, 403):
            raise SharedUnavailable("the server refused memem's token (MEMEM_CHROMA_TOKEN)")
        if answer.status_code >= 400:
            raise SharedUnavailable(f"the server answered HTTP {answer.status_code}")

    def _collection(self, team: str) -> Any:
        with self._lock:
            client = self._client
        if client is None:  # connected outside the lock: a slow server holds up this caller only
            self._check_alive()
            client = self._connect()
            with self._lock:
                self._client = client
        with self._lock:
            found = self._collections.get(team)
            if found is None:
                found = client.get_or_create_collection(
                    collection_name(team, self.embedder.name),
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                )
                self._collections[team] = found
            return found

    def _call(self, what: str, team: str, action: Any) -> Any:
        """Run `action(collection)`, turning any failure into SharedUnavailable and recording it."""
        self.last_try = time.time()
        try:
            value = action(self._collection(team))
        except SharedUnavailable as exc:
            self._failed(str(exc))
            raise
        except Exception as exc:  # chromadb raises plain ValueError, httpx errors, …: all mean "cannot answer"
            message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if "401" in message or "403" in message or "nauthori" in message or "orbidden" in message:
                message = "the server refused memem's token (MEMEM_CHROMA_TOKEN)"
            self._failed(f"{what}: {message}")
            raise SharedUnavailable(f"the team index at {self.config.shown_url} cannot answer ({message})") from None
        if not self.reachable:
            log.info("the team index at %s answers", self.config.shown_url)
        self.reachable, self.last_error, self.last_ok = True, None, time.time()
        return value

    def _failed(self, message: str) -> None:
        if self.reachable is not False:
            log.warning("the team index at %s is unreachable: %s", self.config.shown_url, message)
        with self._lock:
            self._client, self._collections = None, {}  # connect afresh next time (a restarted server)
        self.reachable, self.last_error = False, message

    def retry_due(self) -> bool:
        return time.time() - self.last_try >= RETRY_AFTER

    # --- the operations -----------------------------------------------------------------------------
    def stored_hashes(self, team: str, note_ids: Sequence[str]) -> dict[str, str]:
        """note id -> hash of the text its stored vector was made from, for those the server has."""
        if not note_ids:
            return {}
        got = self._call("get", team, lambda c: c.get(ids=list(note_ids), include=["metadatas"]))
        return {
            i: str((m or {}).get("embed_hash", "")) for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)
        }

    def upsert(self, team: str, rows: Sequence[Row], vectors: np.ndarray) -> None:
        if not self.writer:
            raise SharedUnavailable("this daemon reads the team index only (MEMEM_CHROMA_ROLE=reader)")
        metadatas = [
            {"note_id": r.id, "embed_hash": r.embed_hash, "project": r.project or GLOBAL, "path": r.path} for r in rows
        ]
        self._call(
            "upsert", team, lambda c: c.upsert(ids=[r.id for r in rows], embeddings=vectors, metadatas=metadatas)
        )

    def query(self, team: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(note id, cosine similarity on the embedder's scale) best first."""
        if k <= 0:
            return []
        result = self._call(
            "query", team, lambda c: c.query(query_embeddings=[vector], n_results=k, include=["distances"])
        )
        base = self.embedder.cosine_baseline
        distances = (result.get("distances") or [[]])[0]
        return [(i, (1.0 - float(d) - base) / (1.0 - base)) for i, d in zip(result["ids"][0], distances, strict=True)]

    def count(self, team: str) -> int:
        return int(self._call("count", team, lambda c: c.count()))

    def state(self) -> dict[str, Any]:
        return {
            "url": self.config.shown_url, "role": self.config.role, "reachable": self.reachable,
            "last_error": self.last_error, "last_ok": self.last_ok,
        }  # fmt: skip
