"""What has been mined: a byte offset per transcript, and a lock per session.

The offset only moves after the lessons of the turns before it are written, so a crash mid-way means
those turns are read again (and de-duplicated) rather than lost. Two Stop hooks of the same session
never mine the same turns: each holds the session's lock (a flock) while it reads, extracts, writes
and advances. State lives in MEMEM_DIR (not in the vault): it is about transcripts, not memories.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from memem.config import private_dir, private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    path TEXT PRIMARY KEY,
    session_id TEXT,
    offset INTEGER NOT NULL DEFAULT 0,
    mined_at REAL,
    lessons INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""


class SessionBusy(RuntimeError):
    """Another miner holds this session's lock right now."""


@dataclass(frozen=True)
class SessionState:
    path: str
    offset: int
    lessons: int
    runs: int
    mined_at: float | None
    last_error: str | None


class MiningState:
    def __init__(self, home: Path) -> None:
        self.folder = home / "mining"
        private_dir(self.folder / "locks")
        self.db = sqlite3.connect(
            private_file(self.folder / "state.sqlite3"), timeout=30, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def get(self, path: Path) -> SessionState:
        row = self.db.execute(
            "SELECT path, offset, lessons, runs, mined_at, last_error FROM sessions WHERE path=?", (str(path),)
        ).fetchone()
        if row is None:
            return SessionState(str(path), 0, 0, 0, None, None)
        return SessionState(*row)

    def advance(self, path: Path, session_id: str | None, offset: int, lessons: int) -> None:
        self.db.execute(
            "INSERT INTO sessions (path, session_id, offset, mined_at, lessons, runs, last_error) "
            "VALUES (?, ?, ?, ?, ?, 1, NULL) "
            "ON CONFLICT(path) DO UPDATE SET offset=excluded.offset, mined_at=excluded.mined_at, "
            "lessons=sessions.lessons + excluded.lessons, runs=sessions.runs + 1, last_error=NULL, "
            "session_id=coalesce(excluded.session_id, sessions.session_id)",
            (str(path), session_id, offset, time.time(), lessons),
        )

    def record_error(self, path: Path, error: str) -> None:
        self.db.execute(
            "INSERT INTO sessions (path, last_error) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET last_error=excluded.last_error",
            (str(path), error[:500]),
        )

    def all(self) -> list[SessionState]:
        rows = self.db.execute(
            "SELECT path, offset, lessons, runs, mined_at, last_error FROM sessions ORDER BY mined_at DESC"
        )
        return [SessionState(*r) for r in rows]

    @contextlib.contextmanager
    def session_lock(self, path: Path) -> Iterator[None]:
        """Hold the session's lock; raise SessionBusy at once if another miner has it."""
        name = hashlib.sha256(str(path).encode()).hexdigest()[:16]
        fd = os.open(self.folder / "locks" / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SessionBusy(str(path)) from None
            yield
        finally:
            os.close(fd)
