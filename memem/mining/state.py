"""What has been mined: a byte offset per transcript, and a lock per session.

The offset only moves after the lessons of the turns before it are written, so a crash mid-way means
those turns are read again (and de-duplicated) rather than lost. Beside it is a fingerprint of the
bytes it follows (`mark`): a transcript rewritten rather than appended to, even into a longer file,
is then read again from its start, not from a place inside someone else's bytes. Two Stop hooks of
the same session never mine the same turns: each holds the session's lock (a flock) while it reads, extracts, writes
and advances. State lives in MEMEM_DIR (not in the vault): it is about transcripts, not memories.

A transcript is known by its resolved absolute path (`key`), however it was named (`./x.jsonl`, a
symlink, `..`): one row, one lock, one offset per file. Rows an earlier memem keyed by the path as
typed are moved to that key once (merged with the row already there); a relative one is resolved
against the folder of the first run that finds its file there, and kept as it is until then.

Reasons stored for a failure are one line, without secrets: they are shown by `--status` and by the
next session's notice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from memem.config import private_dir
from memem.errors import Unavailable
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
_COLUMNS = {
    "cost_usd": "REAL NOT NULL DEFAULT 0",
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "mark": "TEXT",
    "within": "INTEGER NOT NULL DEFAULT 0",
}
"""Columns added since the first schema. `within`: characters of the turn at `offset` already mined (a
turn longer than a chunk is mined in parts, and a byte offset can only name a record's start)."""
_KEYED = 1
"""user_version from which every absolute row is keyed by `key`."""
MAX_ATTEMPTS = 3
"""Runs in which the model could not be reached at the same place before that part is set aside."""


class SessionBusy(RuntimeError):
    """Another miner holds this session's lock right now."""


class StateUnreadable(Unavailable):
    """The mining state database is damaged (or not a database): named, with what to do about it."""

    def __init__(self, db_path: Path, exc: BaseException) -> None:
        super().__init__(
            f"the mining state {db_path} cannot be read ({one_line(str(exc), 120)}): move it aside "
            f"(mv {db_path} {db_path}.broken) and run again; memem starts a new one, and sessions mined "
            "before are then mined again (lessons already written are recognised as duplicates)"
        )
        self.db_path = db_path


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """A database that is corrupt or not a database at all (not one that is busy, locked or read-only)."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return str(name).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    return type(exc) is sqlite3.DatabaseError


MARK_BYTES = 4096
"""How much of a transcript's start, and of what precedes the place, the fingerprint reads: enough that
a rewrite shows, little enough to read at every Stop however long the session."""


def mark(path: Path, offset: int) -> str | None:
    """A fingerprint of the transcript's bytes before `offset` (their first and last MARK_BYTES); None
    when there is nothing before it or the file cannot be read."""
    if offset <= 0:
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(min(offset, MARK_BYTES))
            handle.seek(max(0, offset - MARK_BYTES))
            tail = handle.read(offset - max(0, offset - MARK_BYTES))
    except OSError:
        return None
    return hashlib.blake2b(b"%d\0%s\0%s" % (offset, head, tail), digest_size=16).hexdigest()


def key(path: Path | str) -> str:
    """The one name of a transcript: its absolute path with symlinks and `..` resolved."""
    return str(Path(path).expanduser().resolve())


def one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _reason(text: str) -> str:
    """A failure's reason as stored: one line, any secret in it redacted."""
    from memem.memory.screen import redact

    return one_line(redact(text), 500)


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
        self.path = self.folder / "state.sqlite3"
        try:
            # State written by an earlier memem grows the newer columns, and its rows get their one key.
            self.db = private_db(self.path, _SCHEMA, "sessions", _COLUMNS)
            self._rekey()
        except sqlite3.DatabaseError as exc:
            if _damaged(exc):
                raise StateUnreadable(self.path, exc) from None
            raise

    def close(self) -> None:
        self.db.close()

    def broken(self, exc: BaseException) -> StateUnreadable | None:
        """If `exc` (met while mining) is damage to this state database: the error to report instead.
        Another database's damage (the vault's indexes) or a busy database is not this state's."""
        if not isinstance(exc, sqlite3.DatabaseError) or not _damaged(exc):
            return None
        try:
            check = self.db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as again:
            return StateUnreadable(self.path, exc) if _damaged(again) else None
        return None if check and check[0] == "ok" else StateUnreadable(self.path, exc)

    def _rekey(self) -> None:
        """Move rows not yet keyed by `key` to their key, merging two names of one file: all rows once
        (state from an earlier memem), then at each open the relative ones still waiting."""
        query = "SELECT path FROM sessions UNION SELECT path FROM parts_set_aside"
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version >= _KEYED:
            query = f"SELECT path FROM ({query}) WHERE path NOT LIKE '/%'"
        moves = {}
        for (old,) in self.db.execute(query).fetchall():
            if not Path(old).is_absolute() and not Path(old).exists():
                continue  # relative to a folder this run is not in: kept (listed), moved by a run from there
            new = key(old)
            if new != old:
                moves[old] = new
        if not moves and version >= _KEYED:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for old, new in moves.items():
                self._move(old, new)
            if version < _KEYED:
                self._reword()
            self.db.execute(f"PRAGMA user_version={_KEYED}")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _reword(self) -> None:
        """Reasons an earlier memem stored as a validation error's dump (whose later lines quote the
        model's answer): their first line only, as reasons are stored now."""
        for table, column in (("parts_set_aside", "reason"), ("sessions", "last_error")):
            rows = self.db.execute(f"SELECT rowid, {column} FROM {table} WHERE {column} LIKE '%' || char(10) || '%'")
            for rowid, text in rows.fetchall():
                first = _reason(str(text).strip().split("\n", 1)[0])
                self.db.execute(f"UPDATE {table} SET {column}=? WHERE rowid=?", (first, rowid))

    def _move(self, old: str, new: str) -> None:
        there = self.db.execute("SELECT 1 FROM sessions WHERE path=?", (new,)).fetchone()
        if there:  # two names of one file: one row, with the furthest place and everything counted once
            self.db.execute(
                "UPDATE sessions SET "
                "offset=max(offset, (SELECT offset FROM sessions WHERE path=:old)), "
                "mined_at=max(coalesce(mined_at, 0), coalesce((SELECT mined_at FROM sessions WHERE path=:old), 0)), "
                "lessons=lessons + (SELECT lessons FROM sessions WHERE path=:old), "
                "runs=runs + (SELECT runs FROM sessions WHERE path=:old), "
                "cost_usd=cost_usd + (SELECT cost_usd FROM sessions WHERE path=:old), "
                "session_id=coalesce(session_id, (SELECT session_id FROM sessions WHERE path=:old)), "
                "mark=NULL, within=0 "
                "WHERE path=:new",
                {"old": old, "new": new},
            )
            self.db.execute("DELETE FROM sessions WHERE path=?", (old,))
        else:
            self.db.execute("UPDATE sessions SET path=? WHERE path=?", (new, old))
        self.db.execute("UPDATE OR IGNORE parts_set_aside SET path=? WHERE path=?", (new, old))
        self.db.execute("DELETE FROM parts_set_aside WHERE path=?", (old,))  # the same part under both names

    def get(self, path: Path) -> SessionState:
        row = self.db.execute(
            "SELECT path, offset, lessons, runs, mined_at, last_error FROM sessions WHERE path=?", (key(path),)
        ).fetchone()
        if row is None:
            return SessionState(key(path), 0, 0, 0, None, None)
        return SessionState(*row)

    def place(self, path: Path) -> int:
        """Where mining the transcript goes on: its recorded offset, or 0 if the file was rewritten since
        (shorter than the offset, or other bytes before it than those mined)."""
        row = self.db.execute("SELECT offset, mark FROM sessions WHERE path=?", (key(path),)).fetchone()
        if row is None:
            return 0
        offset, fingerprint = int(row[0]), row[1]
        try:
            size = path.stat().st_size
        except OSError:
            return offset
        if size < offset or (fingerprint is not None and mark(path, offset) != fingerprint):
            return 0
        return offset

    def within(self, path: Path) -> int:
        """How many characters of the turn at the session's place are mined already (0: none; the
        place is then a record's start, as it most often is)."""
        row = self.db.execute("SELECT within FROM sessions WHERE path=?", (key(path),)).fetchone()
        return int(row[0]) if row is not None else 0

    def restart(self, path: Path) -> None:
        """The transcript was rewritten: its place and the parts set aside (byte ranges of the old file)
        are dropped, so it is mined from its start (lessons already written are recognised as
        duplicates)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("UPDATE sessions SET offset=0, mark=NULL, attempts=0, within=0 WHERE path=?", (key(path),))
            self.db.execute("DELETE FROM parts_set_aside WHERE path=?", (key(path),))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def advance(
        self,
        path: Path,
        session_id: str | None,
        offset: int,
        lessons: int,
        cost_usd: float = 0.0,
        set_aside: Sequence[tuple[SetAside, str]] = (),
        within: int = 0,
    ) -> None:
        """Record that everything before `offset` is mined, and `within` characters of the turn that
        begins there (its lessons written, its failures set aside): the one commit point, in one
        transaction. A failed attempt counted at the place before is forgotten."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for part, reason in set_aside:
                self.db.execute(
                    "INSERT INTO parts_set_aside (path, start, end, reason, at, char_from, char_to) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path, start, char_from) DO UPDATE SET "
                    "end=excluded.end, reason=excluded.reason, at=excluded.at, char_to=excluded.char_to, reported=0",
                    (key(path), part.start, part.end, _reason(reason), time.time(), part.char_from, part.char_to),
                )
            self.db.execute(
                "INSERT INTO sessions (path, session_id, offset, mined_at, lessons, runs, last_error, cost_usd, "
                "attempts, mark, within) VALUES (?, ?, ?, ?, ?, 1, NULL, ?, 0, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET offset=excluded.offset, mark=excluded.mark, within=excluded.within, "
                "mined_at=excluded.mined_at, "
                "lessons=sessions.lessons + excluded.lessons, runs=sessions.runs + 1, last_error=NULL, "
                "cost_usd=sessions.cost_usd + excluded.cost_usd, attempts=0, "
                "session_id=coalesce(excluded.session_id, sessions.session_id)",
                (key(path), session_id, offset, time.time(), lessons, cost_usd, mark(path, offset), within),
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
            (key(path), _reason(error), 1 if attempt else 0, cost_usd),
        )
        row = self.db.execute("SELECT attempts FROM sessions WHERE path=?", (key(path),)).fetchone()
        return int(row[0])

    def tally(self, path: Path, lessons: int, cost_usd: float) -> None:
        """Count lessons written and money spent on a session without moving its place (`memem mine
        --retry` mines parts behind it), so `--status` sums every run."""
        self.db.execute(
            "INSERT INTO sessions (path, lessons, cost_usd) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
            "lessons=sessions.lessons + excluded.lessons, cost_usd=sessions.cost_usd + excluded.cost_usd",
            (key(path), lessons, cost_usd),
        )

    def set_aside_parts(self, path: Path | None = None) -> list[SetAside]:
        query = "SELECT path, start, end, reason, at, char_from, char_to FROM parts_set_aside"
        if path is not None:
            return [SetAside(*r) for r in self.db.execute(query + " WHERE path=? ORDER BY start", (key(path),))]
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
        name = hashlib.sha256(key(path).encode()).hexdigest()[:16]
        fd = os.open(self.folder / "locks" / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SessionBusy(str(path)) from None
            yield
        finally:
            os.close(fd)
