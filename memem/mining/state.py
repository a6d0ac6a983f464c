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
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from memem.config import private_dir
from memem.index.state_db import private_db

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
CREATE TABLE IF NOT EXISTS parts_set_aside (
    path TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL,
    char_from INTEGER NOT NULL DEFAULT 0,
    char_to INTEGER NOT NULL DEFAULT -1,
    reported INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (path, start, char_from)
);
"""
_COLUMNS = {"cost_usd": "REAL NOT NULL DEFAULT 0", "attempts": "INTEGER NOT NULL DEFAULT 0"}
MAX_ATTEMPTS = 3
"""Runs in which the model could not be reached at the same place before that part is set aside."""


class SessionBusy(RuntimeError):
    """Another miner holds this session's lock right now."""


@dataclass(frozen=True)
class SetAside:
    """Part of a transcript that could not be mined, kept so it is reported once and can be retried:
    the records from byte `start` to `end`, the first turn from character `char_from`, the last one
    up to `char_to` (-1: to its end)."""

    path: str
    start: int
    end: int
    reason: str
    at: float
    char_from: int = 0
    char_to: int = -1


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
        # State written by an earlier memem grows the newer columns.
        self.db = private_db(self.folder / "state.sqlite3", _SCHEMA, "sessions", _COLUMNS)

    def close(self) -> None:
        self.db.close()

    def get(self, path: Path) -> SessionState:
        row = self.db.execute(
            "SELECT path, offset, lessons, runs, mined_at, last_error FROM sessions WHERE path=?", (str(path),)
        ).fetchone()
        if row is None:
            return SessionState(str(path), 0, 0, 0, None, None)
        return SessionState(*row)

    def advance(
        self,
        path: Path,
        session_id: str | None,
        offset: int,
        lessons: int,
        cost_usd: float = 0.0,
        set_aside: Sequence[tuple[SetAside, str]] = (),
    ) -> None:
        """Record that everything before `offset` is mined (its lessons written, its failures set
        aside): the one commit point, in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for part, reason in set_aside:
                self.db.execute(
                    "INSERT INTO parts_set_aside (path, start, end, reason, at, char_from, char_to) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path, start, char_from) DO UPDATE SET "
                    "end=excluded.end, reason=excluded.reason, at=excluded.at, char_to=excluded.char_to, reported=0",
                    (str(path), part.start, part.end, reason[:500], time.time(), part.char_from, part.char_to),
                )
            self.db.execute(
                "INSERT INTO sessions (path, session_id, offset, mined_at, lessons, runs, last_error, cost_usd, "
                "attempts) VALUES (?, ?, ?, ?, ?, 1, NULL, ?, 0) "
                "ON CONFLICT(path) DO UPDATE SET offset=excluded.offset, mined_at=excluded.mined_at, "
                "lessons=sessions.lessons + excluded.lessons, runs=sessions.runs + 1, last_error=NULL, "
                "cost_usd=sessions.cost_usd + excluded.cost_usd, attempts=0, "
                "session_id=coalesce(excluded.session_id, sessions.session_id)",
                (str(path), session_id, offset, time.time(), lessons, cost_usd),
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def record_error(self, path: Path, error: str, cost_usd: float = 0.0, attempt: bool = True) -> int:
        """Note a failure; with `attempt`, a failed attempt at the session's current place (returns how
        many in a row there have been: after MAX_ATTEMPTS that part is set aside)."""
        self.db.execute(
            "INSERT INTO sessions (path, last_error, attempts, cost_usd) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET last_error=excluded.last_error, "
            "attempts=sessions.attempts + excluded.attempts, cost_usd=sessions.cost_usd + excluded.cost_usd",
            (str(path), error[:500], 1 if attempt else 0, cost_usd),
        )
        row = self.db.execute("SELECT attempts FROM sessions WHERE path=?", (str(path),)).fetchone()
        return int(row[0])

    def set_aside_parts(self, path: Path | None = None) -> list[SetAside]:
        query = "SELECT path, start, end, reason, at, char_from, char_to FROM parts_set_aside"
        if path is not None:
            return [SetAside(*r) for r in self.db.execute(query + " WHERE path=? ORDER BY start", (str(path),))]
        return [SetAside(*r) for r in self.db.execute(query + " ORDER BY at")]

    def forget_set_aside(self, part: SetAside) -> None:
        self.db.execute(
            "DELETE FROM parts_set_aside WHERE path=? AND start=? AND char_from=?",
            (part.path, part.start, part.char_from),
        )

    def total_cost(self) -> float:
        row = self.db.execute("SELECT coalesce(sum(cost_usd), 0) FROM sessions").fetchone()
        return float(row[0])

    def all(self) -> list[SessionState]:
        rows = self.db.execute(
            "SELECT path, offset, lessons, runs, mined_at, last_error FROM sessions ORDER BY mined_at DESC"
        )
        return [SessionState(*r) for r in rows]

    def slot(self, wait: float = 60.0) -> contextlib.AbstractContextManager[int]:
        """One of the global mining slots (see `slots`): held while extracting, so few miners run at once."""
        from memem.mining.slots import miner_slot
        from memem.settings import settings

        return miner_slot(self.folder.parent, settings().miner_concurrency, wait)

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
