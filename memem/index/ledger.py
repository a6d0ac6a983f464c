"""The recall ledger: which memories recall showed, when, for which session and project, and whether
each then helped (used, ignored or contradicted by what the assistant said and did). memem's state,
never the notes: a memory's record is about how it was used, not what it says. Recall reads it as a
gentle prior, consolidation to find memories nothing recalls any more, `memem status` to show a
memory's record and to flag one that keeps being contradicted.

The prompt itself is not kept, only its hash: the ledger says that a memory was shown, not to what.
A **held-out** row is a memory recall would have shown on a prompt where the slice was withheld
(`MEMEM_HOLDOUT`): judged the same way, it says whether the assistant would have done the same anyway.

The ledger is bounded. `prune(live)` (consolidation's pass knows the vault's note ids) drops every row
of a note no longer in the vault. Rows older than KEEP_DAYS, and the oldest beyond MAX_ROWS, are folded
(`cap`, also run as the ledger opens and every CAP_EVERY showings): what a memory's record needs is
kept per note in `tally` (times shown, used, ignored, contradicted, when last shown), the held-out
comparison's counts in `tally_holdout`, and when the ledger began in `began`; only the single rows
(session, prompt hash, evidence) go. A session's transcript offset goes with its last row.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from memem.index.state_db import private_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS shown (
    at REAL NOT NULL,
    note_id TEXT NOT NULL,
    project TEXT,
    session TEXT,
    prompt_sha TEXT
);
CREATE INDEX IF NOT EXISTS shown_note ON shown (note_id, at);
CREATE TABLE IF NOT EXISTS recalled (
    note_id TEXT PRIMARY KEY,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS transcripts (
    session TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    read_to INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tally (
    note_id TEXT PRIMARY KEY,
    shown INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    ignored INTEGER NOT NULL DEFAULT 0,
    contradicted INTEGER NOT NULL DEFAULT 0,
    last_shown REAL
);
CREATE TABLE IF NOT EXISTS tally_holdout (
    holdout INTEGER PRIMARY KEY,
    judged INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS began (
    one INTEGER PRIMARY KEY CHECK (one = 0),
    at REAL NOT NULL
);
"""
COLUMNS = {"verdict": "TEXT", "evidence": "TEXT", "holdout": "INTEGER NOT NULL DEFAULT 0"}
PRIOR = 0.1
"""At most this much up or down: the ledger nudges the ranking, it never decides it."""
FLAG_AFTER = 3
"""Contradicted this many times (and more often than used): flagged for review."""
KEEP_DAYS = 180
"""Showings older than this are folded into their note's tally (see the module's docstring)."""
MAX_ROWS = 50_000
"""At most this many single showings are kept; the oldest beyond it are folded into the tallies."""
CAP_EVERY = 1000
"""Showings recorded between two `cap`s of a ledger that stays open."""
GRACE = 3600.0
"""A showing this recent is never pruned for its note's absence (a note written since the ids were read)."""


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Record:
    note_id: str
    shown: int = 0
    used: int = 0
    ignored: int = 0
    contradicted: int = 0
    last_shown: float | None = None

    @property
    def prior(self) -> float:
        """A ranking factor from 1 − PRIOR to 1 + PRIOR, 1 with no judged showings."""
        judged = self.used + self.ignored + self.contradicted
        return 1.0 + PRIOR * (self.used - self.contradicted) / (judged + 2)

    @property
    def flagged(self) -> bool:
        return self.contradicted >= FLAG_AFTER and self.contradicted > self.used

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.note_id, "shown": self.shown, "used": self.used, "ignored": self.ignored,
            "contradicted": self.contradicted, "last_shown": self.last_shown, "flagged": self.flagged,
        }  # fmt: skip


class RecallLedger:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        # A ledger from before verdicts grows their columns and keeps its rows.
        self.conn = private_db(path, SCHEMA, "shown", COLUMNS)
        self.conn.execute("CREATE INDEX IF NOT EXISTS shown_pending ON shown (session, verdict)")
        self.conn.execute("CREATE INDEX IF NOT EXISTS shown_at ON shown (at)")
        self._since_cap = 0
        with contextlib.suppress(sqlite3.Error):  # bookkeeping: a busy ledger is capped next time
            self.cap()

    def close(self) -> None:
        self.conn.close()

    # --- writing ------------------------------------------------------------------------------------
    def shown(
        self, note_ids: Iterable[str], project: str | None, session: str | None = None, prompt: str = "",
        at: float | None = None, holdout: bool = False,
    ) -> None:  # fmt: skip
        digest = prompt_hash(prompt) if prompt else None
        rows = [(at or time.time(), i, project, session, digest, int(holdout)) for i in note_ids]
        if rows:
            with self._lock:
                self.conn.executemany(
                    "INSERT INTO shown (at, note_id, project, session, prompt_sha, holdout) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._since_cap += len(rows)
                due = self._since_cap >= CAP_EVERY
            if due:
                with contextlib.suppress(sqlite3.Error):
                    self.cap()

    def recalled(self, note_ids: Iterable[str], at: float | None = None) -> None:
        """Memories a model asked for itself (MCP `memory_search`, `memory_get`, a slice or a briefing
        it requested): when, only; not judged (there is no prompt of the person's to judge them by),
        but a memory found this way is not one nothing recalls."""
        rows = [(i, at or time.time()) for i in dict.fromkeys(note_ids)]
        if rows:
            # Bookkeeping: a busy or broken ledger must never fail the recall that it records.
            with self._lock, contextlib.suppress(sqlite3.Error):
                self.conn.executemany(
                    "INSERT INTO recalled (note_id, at) VALUES (?, ?) "
                    "ON CONFLICT (note_id) DO UPDATE SET at = max(at, excluded.at)",
                    rows,
                )

    def pending(self, session: str, since: float = 0.0) -> list[tuple[int, str, str]]:
        """(row, note id, prompt hash) shown in this session (since `since`) and not judged yet."""
        return [
            (int(r[0]), str(r[1]), str(r[2]))
            for r in self.conn.execute(
                "SELECT rowid, note_id, prompt_sha FROM shown "
                "WHERE session=? AND verdict IS NULL AND prompt_sha IS NOT NULL AND at >= ?",
                (session, since),
            )
        ]

    def judge(self, verdicts: Sequence[tuple[int, str, str]]) -> None:
        """Record (row, verdict, evidence) for rows `pending` returned."""
        with self._lock:
            self.conn.executemany(
                "UPDATE shown SET verdict=?, evidence=? WHERE rowid=?", [(v, e, r) for r, v, e in verdicts]
            )

    def read_from(self, session: str, transcript: str) -> int:
        """Where judging this session's transcript may start reading at its next Stop (0: anywhere):
        what is before it holds no prompt a pending row still awaits."""
        row = self.conn.execute("SELECT path, read_to FROM transcripts WHERE session=?", (session,)).fetchone()
        return int(row[1]) if row and row[0] == transcript else 0

    def read_to(self, session: str, transcript: str, offset: int) -> None:
        """Remember `read_from` for this session: a line boundary of its transcript."""
        with self._lock:
            self.conn.execute(
                "INSERT INTO transcripts (session, path, read_to) VALUES (?, ?, ?) "
                "ON CONFLICT (session) DO UPDATE SET path=excluded.path, read_to=excluded.read_to",
                (session, transcript, offset),
            )

    # --- bounding -----------------------------------------------------------------------------------
    def prune(self, live: Iterable[str], now: float | None = None) -> int:
        """Forget the notes not in `live` (every note id the vault holds now, of any status): their
        rows, tallies and recall times; the held-out comparison keeps their counts. An empty `live` (an
        index not built yet) prunes nothing, nor does a showing younger than GRACE. Returns how many
        rows of showings went."""
        ids = set(live)
        if not ids:
            return 0
        horizon = (now or time.time()) - GRACE
        with self._lock, self._transaction():
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS live_notes (note_id TEXT PRIMARY KEY)")
            self.conn.execute("DELETE FROM temp.live_notes")
            self.conn.executemany("INSERT OR IGNORE INTO temp.live_notes VALUES (?)", ((i,) for i in ids))
            dead = "note_id NOT IN (SELECT note_id FROM temp.live_notes)"
            self._fold_holdout(f"{dead} AND at < ?", (horizon,))
            gone = self.conn.execute(f"DELETE FROM shown WHERE {dead} AND at < ?", (horizon,)).rowcount
            self.conn.execute(f"DELETE FROM tally WHERE {dead}")
            self.conn.execute(f"DELETE FROM recalled WHERE {dead} AND at < ?", (horizon,))
            self._forget_sessions()
            self.conn.execute("DELETE FROM temp.live_notes")
        return int(gone)

    def cap(self, now: float | None = None, keep_days: float = KEEP_DAYS, max_rows: int = MAX_ROWS) -> int:
        """Fold showings older than `keep_days`, and the oldest beyond `max_rows`, into the tallies
        (see the module's docstring); returns how many rows were folded."""
        horizon = (now or time.time()) - keep_days * 86400
        with self._lock:
            self._since_cap = 0
            count = int(self.conn.execute("SELECT COUNT(*) FROM shown").fetchone()[0])
            if count > max_rows:
                nth = self.conn.execute(
                    "SELECT at FROM shown ORDER BY at DESC LIMIT 1 OFFSET ?", (max_rows - 1,)
                ).fetchone()
                horizon = max(horizon, float(nth[0])) if nth else horizon
            if not self.conn.execute("SELECT 1 FROM shown WHERE at < ? LIMIT 1", (horizon,)).fetchone():
                return 0
            with self._transaction():
                self._remember_start()
                self.conn.execute(
                    "INSERT INTO tally (note_id, shown, used, ignored, contradicted, last_shown) "
                    "SELECT note_id, COUNT(*), COALESCE(SUM(verdict='used'), 0), COALESCE(SUM(verdict='ignored'), 0), "
                    "COALESCE(SUM(verdict='contradicted'), 0), MAX(at) FROM shown WHERE holdout=0 AND at < ? "
                    "GROUP BY note_id ORDER BY note_id "
                    "ON CONFLICT (note_id) DO UPDATE SET shown=shown+excluded.shown, used=used+excluded.used, "
                    "ignored=ignored+excluded.ignored, contradicted=contradicted+excluded.contradicted, "
                    "last_shown=max(COALESCE(last_shown, 0), excluded.last_shown)",
                    (horizon,),
                )
                self._fold_holdout("at < ?", (horizon,))
                folded = self.conn.execute("DELETE FROM shown WHERE at < ?", (horizon,)).rowcount
                self._forget_sessions()
        return int(folded)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction on the autocommit connection: a fold is all done or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _remember_start(self) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO began (one, at) SELECT 0, MIN(at) FROM "
            "(SELECT at FROM shown UNION ALL SELECT at FROM recalled) WHERE at IS NOT NULL"
        )

    def _fold_holdout(self, where: str, params: tuple[object, ...]) -> None:
        """Add the judged rows `where` selects to the held-out comparison's counts (before they go)."""
        self._remember_start()
        self.conn.execute(
            "INSERT INTO tally_holdout (holdout, judged, used) "
            "SELECT holdout, COUNT(*), COALESCE(SUM(verdict='used'), 0) FROM shown "
            f"WHERE verdict IS NOT NULL AND {where} "
            "GROUP BY holdout ORDER BY holdout "
            "ON CONFLICT (holdout) DO UPDATE SET judged=judged+excluded.judged, used=used+excluded.used",
            params,
        )

    def _forget_sessions(self) -> None:
        self.conn.execute(
            "DELETE FROM transcripts WHERE session NOT IN (SELECT session FROM shown WHERE session IS NOT NULL)"
        )

    # --- reading ------------------------------------------------------------------------------------
    def last_shown(self) -> dict[str, float]:
        """note id -> when recall last showed it: in a prompt's slice (not counting held-out prompts:
        nothing was shown), or to a model that asked for it."""
        return dict(
            self.conn.execute(
                "SELECT note_id, MAX(at) FROM (SELECT note_id, at FROM shown WHERE holdout=0 "
                "UNION ALL SELECT note_id, at FROM recalled "
                "UNION ALL SELECT note_id, last_shown FROM tally WHERE last_shown IS NOT NULL) GROUP BY note_id"
            ).fetchall()
        )

    def started(self) -> float | None:
        """When the ledger's first record was made: absence from it means something only after that."""
        row = self.conn.execute(
            "SELECT MIN(at) FROM (SELECT at FROM shown UNION ALL SELECT at FROM recalled "
            "UNION ALL SELECT at FROM began)"
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def records(self, note_ids: Iterable[str] | None = None) -> dict[str, Record]:
        """Each memory's record (of the prompts where it was shown, not held out)."""
        sql = (
            "SELECT note_id, COUNT(*), SUM(verdict='used'), SUM(verdict='ignored'), SUM(verdict='contradicted'), "
            "MAX(at) FROM shown WHERE holdout=0"
        )
        params: list[str] = []
        if note_ids is not None:
            ids = list(dict.fromkeys(note_ids))
            if not ids:
                return {}
            sql += f" AND note_id IN ({','.join('?' * len(ids))})"
            params = ids
        # The rows still kept, and what was folded from older ones (the tally), add up to the record.
        tallied = "SELECT note_id, shown, used, ignored, contradicted, last_shown FROM tally"
        if params:
            tallied += f" WHERE note_id IN ({','.join('?' * len(params))})"
        found: dict[str, Record] = {}
        for query in (tallied, sql + " GROUP BY note_id"):
            for r in self.conn.execute(query, params).fetchall():
                had = found.get(r[0]) or Record(r[0])
                times = [float(t) for t in (had.last_shown, r[5]) if t is not None]
                found[r[0]] = Record(
                    r[0], had.shown + int(r[1] or 0), had.used + int(r[2] or 0), had.ignored + int(r[3] or 0),
                    had.contradicted + int(r[4] or 0), max(times) if times else None,
                )  # fmt: skip
        return found

    def holdout_rates(self) -> dict[str, tuple[int, int]]:
        """'shown' / 'held out' -> (judged, used): does showing a memory change what the assistant does?"""
        rows = self.conn.execute(
            "SELECT holdout, COUNT(*), SUM(verdict='used') FROM shown WHERE verdict IS NOT NULL GROUP BY holdout"
        ).fetchall()
        rows += self.conn.execute("SELECT holdout, judged, used FROM tally_holdout").fetchall()
        found = {"shown": (0, 0), "held out": (0, 0)}
        for holdout, judged, used in rows:
            key = "held out" if holdout else "shown"
            found[key] = (found[key][0] + int(judged), found[key][1] + int(used or 0))
        return found
