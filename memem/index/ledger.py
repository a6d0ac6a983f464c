"""The recall ledger: which memories recall showed, when, for which project (and, in time, whether
they helped). memem's state, never the notes: a memory's record is about how it was used, not what
it says. Consolidation reads it to find memories nothing has recalled in a long time.

The prompt itself is not kept, only its hash: the ledger says that a memory was shown, not to what.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from memem.config import private_dir, private_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS shown (
    at REAL NOT NULL,
    note_id TEXT NOT NULL,
    project TEXT,
    session TEXT,
    prompt_sha TEXT
);
CREATE INDEX IF NOT EXISTS shown_note ON shown (note_id, at);
"""


class RecallLedger:
    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        private_file(path)
        self._lock = threading.Lock()
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def shown(
        self, note_ids: Iterable[str], project: str | None, session: str | None = None, prompt: str = "",
        at: float | None = None,
    ) -> None:  # fmt: skip
        digest = hashlib.sha256(prompt.encode()).hexdigest()[:16] if prompt else None
        rows = [(at or time.time(), i, project, session, digest) for i in note_ids]
        if rows:
            with self._lock:
                self.conn.executemany("INSERT INTO shown VALUES (?, ?, ?, ?, ?)", rows)

    def last_shown(self) -> dict[str, float]:
        """note id -> when recall last showed it."""
        return dict(self.conn.execute("SELECT note_id, MAX(at) FROM shown GROUP BY note_id").fetchall())

    def started(self) -> float | None:
        """When the ledger's first record was made: absence from it means something only after that."""
        row = self.conn.execute("SELECT MIN(at) FROM shown").fetchone()
        return float(row[0]) if row and row[0] is not None else None
