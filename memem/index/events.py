"""The event log: every change memem makes to a memory note, with what it replaced, so it can be undone.

Each operation (a save, a deprecation, a link, what the miner applied, a consolidation) is one
**batch** of entries: a note created (its text), or a note changed (its text before, and the hash of
the text after). The log is append-only, in the vault's state folder (`events.sqlite3`); it is
memem's history, not the person's, so it never goes into the vault.

`undo` reverts the newest batches that are not undone yet, newest first, and only where nothing
changed since: a note edited after memem's change (in Obsidian, by a sync) is left as it is and the
batch is refused as a whole, so an undo never overwrites a person's work. A created note is not
deleted but moved to the vault's `.trash/` folder (where Obsidian keeps deleted files). The undo is
itself a batch in the log.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from memem.errors import Conflict, NotFound
from memem.index.state_db import private_db
from memem.vault import writer

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    batch TEXT NOT NULL,
    op TEXT NOT NULL,
    summary TEXT NOT NULL,
    path TEXT NOT NULL,
    note_id TEXT,
    before TEXT,          -- the note's text before (NULL: memem created it)
    after_sha TEXT,       -- sha256 of the text memem left (NULL: memem moved it to the trash)
    undoes TEXT           -- for an undo's entries: the batch they revert
);
CREATE INDEX IF NOT EXISTS events_batch ON events (batch);
"""
TRASH = ".trash"

_batch: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar("memem_event_batch", default=None)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    path: str
    note_id: str | None
    before: str | None
    after_sha: str | None


@dataclass
class Batch:
    batch: str
    op: str
    summary: str
    at: float
    entries: list[Entry] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "batch": self.batch, "op": self.op, "summary": self.summary, "at": self.at,
            "notes": [{"path": e.path, "id": e.note_id, "created": e.before is None} for e in self.entries],
        }  # fmt: skip


class EventLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.conn = private_db(path, SCHEMA)

    def close(self) -> None:
        self.conn.close()

    # --- recording ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def operation(self, op: str, summary: str = "") -> Iterator[str]:
        """Group what happens inside into one batch (an operation inside another joins the outer one)."""
        current = _batch.get()
        if current is not None:
            yield current[0]
            return
        batch = secrets.token_hex(6)
        token = _batch.set((batch, op, " ".join(summary.split())[:200]))
        try:
            yield batch
        finally:
            _batch.reset(token)

    def _append(self, path: str, note_id: str | None, before: str | None, after: str | None, undoes: str = "") -> None:
        batch, op, summary = _batch.get() or (secrets.token_hex(6), "edit", "")
        with self._lock:
            self.conn.execute(
                "INSERT INTO events (at, batch, op, summary, path, note_id, before, after_sha, undoes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), batch, op, summary, path, note_id, before,
                 sha(after) if after is not None else None, undoes or None),
            )  # fmt: skip

    def created(self, path: str, note_id: str | None, text: str) -> None:
        self._append(path, note_id, None, text)

    def changed(self, path: str, note_id: str | None, before: str, after: str) -> None:
        if before != after:
            self._append(path, note_id, before, after)

    def update(self, vault: Path, path: str, note_id: str | None, change: Callable[[str], str]) -> None:
        """`writer.update` of the note at `path` (vault-relative), with the change logged: the text it
        replaced and the text written (the last call of `change` is the one that was written)."""
        seen: list[tuple[str, str]] = []

        def recorded(text: str) -> str:
            edited = change(text)
            seen.append((text, edited))
            return edited

        writer.update(vault / path, recorded)
        if seen:
            self.changed(path, note_id, *seen[-1])

    def removed(self, path: str, note_id: str | None, before: str) -> None:
        """A note moved to the trash (a review's reject): undo puts it back."""
        self._append(path, note_id, before, None)

    # --- reading ------------------------------------------------------------------------------------
    def batches(self, limit: int = 10, include_undone: bool = False) -> list[Batch]:
        """The newest batches, newest first: those not undone yet (and not undos themselves) by default."""
        undone = {r[0] for r in self.conn.execute("SELECT DISTINCT undoes FROM events WHERE undoes IS NOT NULL")}
        rows = self.conn.execute(
            "SELECT batch, op, summary, MIN(at), MAX(seq) FROM events GROUP BY batch ORDER BY MAX(seq) DESC"
        ).fetchall()
        found: list[Batch] = []
        for batch, op, summary, at, _ in rows:
            if not include_undone and (batch in undone or op == "undo"):
                continue
            entries = [
                Entry(*r)
                for r in self.conn.execute(
                    "SELECT seq, path, note_id, before, after_sha FROM events WHERE batch=? ORDER BY seq", (batch,)
                )
            ]
            found.append(Batch(batch, op, summary, at, entries))
            if len(found) >= limit:
                break
        return found

    # --- undo ---------------------------------------------------------------------------------------
    def undo(self, vault: Path, count: int = 1) -> tuple[list[Batch], list[str]]:
        """Revert the newest `count` batches; returns them and the vault-relative paths touched.

        Raises Conflict (and changes nothing of that batch) when a note changed since memem's change.
        """
        batches = self.batches(count)
        if not batches:
            raise NotFound("nothing to undo: the event log holds no operation that is not undone yet")
        touched: list[str] = []
        for batch in batches:
            touched += self._undo_batch(vault, batch)
        return batches, touched

    def _undo_batch(self, vault: Path, batch: Batch) -> list[str]:
        # The last state of each note the batch touched is what must still be on disk.
        last: dict[str, Entry] = {}
        first: dict[str, Entry] = {}
        for entry in batch.entries:
            last[entry.path] = entry
            first.setdefault(entry.path, entry)
        reverted: set[str] = set()  # already as they were before (reverted elsewhere: the plugin's own undo)
        for path, entry in last.items():
            current = _read(vault / path)
            original = first[path].before
            if (current is None and original is None) or (current is not None and current == original):
                reverted.add(path)
                continue
            if entry.after_sha is not None and (current is None or sha(current) != entry.after_sha):
                what = "was deleted" if current is None else "was edited"
                raise Conflict(f"cannot undo “{batch.summary or batch.op}”: {path} {what} since; nothing was undone")
        with self.operation("undo", f"undo {batch.op}: {batch.summary}"):
            for path, entry in last.items():
                original = first[path].before
                target = vault / path
                if path in reverted:  # nothing to write; recorded, so the batch counts as undone
                    self._append(path, entry.note_id, original, original, undoes=batch.batch)
                    continue
                if entry.after_sha is None and original is not None:  # it was moved to the trash: put it back
                    if _read(target) is None:
                        writer.create_new(target.parent, target.stem, original.encode("utf-8"))
                        self._append(path, entry.note_id, None, original, undoes=batch.batch)
                    continue
                if original is None:  # memem created it: to the trash, never deleted
                    text = _read(target) or ""
                    _to_trash(vault, target)
                    self._append(path, entry.note_id, text, None, undoes=batch.batch)
                    continue
                replaced = _read(target) or ""

                def revert(current: str, expected: str | None = entry.after_sha, text: str = original) -> str:
                    if sha(current) != expected:  # saved by someone in the last instant: theirs stands
                        raise Conflict("cannot undo: the note was edited just now; it was left as it is")
                    return text

                writer.update(target, revert)
                self._append(path, entry.note_id, replaced, original, undoes=batch.batch)
        return list(last)


def _read(path: Path) -> str | None:
    try:
        return writer.read_note(path, wait=0.5).decode("utf-8")
    except (writer.NoteVanished, FileNotFoundError):
        return None


def _to_trash(vault: Path, path: Path) -> Path:
    trash = vault / TRASH
    trash.mkdir(exist_ok=True)
    stem, n = path.stem, 1
    while (target := trash / (f"{stem}.md" if n == 1 else f"{stem} {n}.md")).exists():
        n += 1
    path.rename(target)
    return target
