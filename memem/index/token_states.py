"""Each note's token states (the embedder's last-layer state of every token, L2-normalised), kept for
recall's late-interaction stage (`memem.recall.late`).

Stored as int8 (round(v * 127)): a quarter of float32's size, and the stage's ranking does not move
measurably. One row per note uid, with the embed hash of the text they were computed from, so a note
whose text changed reads as stale rather than wrong. Derived state like the vectors: a damaged
database is set aside and started anew (`state_db`), and the next reconcile's backfill fills it again.
The embedder's name is kept beside the rows: states of another model are dropped, not compared.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from memem.index.state_db import private_db

SCALE = 127.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS token_states (
    uid INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    states BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_CHUNK = 500  # uids per statement, under SQLite's variable limit


def quantised(states: np.ndarray) -> np.ndarray:
    """Unit-length float states as stored: int8, SCALE to a unit."""
    return np.clip(np.round(states * SCALE), -127, 127).astype(np.int8)


def _int8(blob: bytes, tokens: int) -> np.ndarray:
    """The (tokens, dim) int8 states of a stored row's bytes, without a copy."""
    flat = np.frombuffer(blob, np.int8)
    return flat.reshape(tokens, -1) if tokens else flat.reshape(0, 0)


def states_file(state: Path, model: str) -> Path:
    """Where one model's token states live: a file per model, so a switch of embedder and back (or a
    command run once under another) costs no second pass over the vault. The default model keeps the
    file name memem has always used."""
    from memem.index.embeddings.minilm import NAME

    return state / ("token_states.sqlite3" if model == NAME else f"token_states-{model}.sqlite3")


class TokenStates:
    """The token-state database of one vault, for one embedder; thread-safe."""

    def __init__(self, path: Path, model: str) -> None:
        self.path = path
        self._conn = private_db(path, _SCHEMA)
        self._lock = threading.Lock()
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key='model'").fetchone()
            if row is None or row[0] != model:
                with self._conn:
                    self._conn.execute("BEGIN")
                    self._conn.execute("DELETE FROM token_states")
                    self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('model', ?)", (model,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def put(self, items: Iterable[tuple[int, str, np.ndarray]]) -> dict[int, np.ndarray]:
        """Store (uid, embed hash, float states) for each note, replacing what it had; uid -> the states
        as stored (what `get` will return for them)."""
        stored: dict[int, np.ndarray] = {}
        rows = []
        for uid, digest, states in items:
            stored[uid] = kept = quantised(states)
            rows.append((uid, digest, int(kept.shape[0]), sqlite3.Binary(kept.tobytes())))
        if not rows:
            return stored
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR REPLACE INTO token_states(uid, hash, tokens, states) VALUES (?, ?, ?, ?)", rows
            )
        return stored

    def get(self, uids: Sequence[int]) -> dict[int, tuple[str, np.ndarray]]:
        """uid -> (embed hash, states as stored: int8, SCALE to a unit; read-only) of those of `uids`
        that have states. Late interaction scores them so (`late.maxsims` with SCALE): a quarter of
        float32's bytes to read and copy."""
        found: dict[int, tuple[str, np.ndarray]] = {}
        wanted = list(dict.fromkeys(uids))
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for uid, digest, tokens, blob in self._conn.execute(
                    f"SELECT uid, hash, tokens, states FROM token_states WHERE uid IN ({marks})", chunk
                ):
                    found[int(uid)] = (str(digest), _int8(bytes(blob), int(tokens)))
        return found

    def hashes(self) -> dict[int, str]:
        """uid -> the embed hash its states were computed from, for every stored note."""
        with self._lock:
            return {int(uid): str(digest) for uid, digest in self._conn.execute("SELECT uid, hash FROM token_states")}

    def delete(self, uids: Iterable[int]) -> None:
        gone = list(uids)
        if not gone:
            return
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            for start in range(0, len(gone), _CHUNK):
                chunk = gone[start : start + _CHUNK]
                self._conn.execute(f"DELETE FROM token_states WHERE uid IN ({','.join('?' * len(chunk))})", chunk)

    def uids(self) -> set[int]:
        with self._lock:
            return {int(uid) for (uid,) in self._conn.execute("SELECT uid FROM token_states")}
