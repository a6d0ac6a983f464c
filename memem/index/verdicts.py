"""What a model said about two notes, kept so consolidation asks about each pair of texts once.

Consolidation runs daily; without a memory of its answers it would ask the model about the same
pairs every day, and a proposal made from an answer would vanish (as obsolete) on the first run the
model is unavailable. Answers are keyed by the two notes' texts (a hash of each, in either order), so
an edit to either note asks afresh, and a rename or a tag change does not. memem's state, not the notes'.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from memem.index.state_db import private_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS pair_verdicts (
    first TEXT NOT NULL,
    second TEXT NOT NULL,
    relation TEXT NOT NULL,
    keep TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    judge TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL,
    PRIMARY KEY (first, second)
);
"""


@dataclass(frozen=True)
class StoredVerdict:
    """A model's answer about the pair of texts (`a`, `b`): `keep` is the hash of the text that should stay."""

    a: str
    b: str
    relation: str
    keep: str | None
    evidence: str
    judge: str


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class PairVerdicts:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self.conn = private_db(path, SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def get(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredVerdict]:
        """The stored answers for these pairs of text hashes, keyed as the pair was given."""
        found: dict[tuple[str, str], StoredVerdict] = {}
        for a, b in pairs:
            first, second = _key(a, b)
            row = self.conn.execute(
                "SELECT relation, keep, evidence, judge FROM pair_verdicts WHERE first=? AND second=?", (first, second)
            ).fetchone()
            if row is not None:
                found[(a, b)] = StoredVerdict(a, b, str(row[0]), row[1], str(row[2]), str(row[3]))
        return found

    def put(self, verdicts: Sequence[StoredVerdict]) -> None:
        rows = [(*_key(v.a, v.b), v.relation, v.keep, v.evidence, v.judge, time.time()) for v in verdicts]
        with self._lock:
            self.conn.executemany(
                "INSERT OR REPLACE INTO pair_verdicts (first, second, relation, keep, evidence, judge, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
