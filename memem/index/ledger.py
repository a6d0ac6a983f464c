"""The recall ledger: which memories recall showed, when, for which session and project, and whether
each then helped (used, ignored or contradicted by what the assistant said and did). memem's state,
never the notes: a memory's record is about how it was used, not what it says. Recall reads it as a
gentle prior, consolidation to find memories nothing recalls any more, `memem status` to show a
memory's record and to flag one that keeps being contradicted.

The prompt itself is not kept, only its hash: the ledger says that a memory was shown, not to what.
A **held-out** row is a memory recall would have shown on a prompt where the slice was withheld
(`MEMEM_HOLDOUT`): judged the same way, it says whether the assistant would have done the same anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
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
"""
COLUMNS = {"verdict": "TEXT", "evidence": "TEXT", "holdout": "INTEGER NOT NULL DEFAULT 0"}
PRIOR = 0.1
"""At most this much up or down: the ledger nudges the ranking, it never decides it."""
FLAG_AFTER = 3
"""Contradicted this many times (and more often than used): flagged for review."""


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

    # --- reading ------------------------------------------------------------------------------------
    def last_shown(self) -> dict[str, float]:
        """note id -> when recall last showed it: in a prompt's slice (not counting held-out prompts:
        nothing was shown), or to a model that asked for it."""
        return dict(
            self.conn.execute(
                "SELECT note_id, MAX(at) FROM (SELECT note_id, at FROM shown WHERE holdout=0 "
                "UNION ALL SELECT note_id, at FROM recalled) GROUP BY note_id"
            ).fetchall()
        )

    def started(self) -> float | None:
        """When the ledger's first record was made: absence from it means something only after that."""
        row = self.conn.execute(
            "SELECT MIN(at) FROM (SELECT at FROM shown UNION ALL SELECT at FROM recalled)"
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
        rows = self.conn.execute(sql + " GROUP BY note_id", params).fetchall()
        return {r[0]: Record(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), r[5]) for r in rows}

    def holdout_rates(self) -> dict[str, tuple[int, int]]:
        """'shown' / 'held out' -> (judged, used): does showing a memory change what the assistant does?"""
        rows = self.conn.execute(
            "SELECT holdout, COUNT(*), SUM(verdict='used') FROM shown WHERE verdict IS NOT NULL GROUP BY holdout"
        ).fetchall()
        found = {"shown": (0, 0), "held out": (0, 0)}
        for holdout, judged, used in rows:
            found["held out" if holdout else "shown"] = (int(judged), int(used or 0))
        return found
