"""The event log: every change memem makes to a memory note, with what it replaced, so it can be undone.

Each operation (a save, a deprecation, a link, what the miner applied, a consolidation) is one
**batch** of entries: a note created (its text), or a note changed (its text before, and the hash of
the text after). The log is append-only, in the vault's state folder (`events.sqlite3`); it is
memem's history, not the person's, so it never goes into the vault.

`undo` reverts the newest batches that are not undone yet, newest first, and only where nothing
changed since: a note edited after memem's change (in Obsidian, by a sync) is left as it is and the
undo is refused as a whole (every batch asked for, or none), so an undo never overwrites a person's
work and the log never says an operation was undone that was not. `undo_batch` reverts one older
operation by its id, past newer ones left as they are (one whose note was edited since need not
block the rest), and says which it passed and why. A created note is not deleted but moved to the
vault's `.trash/` folder (where Obsidian keeps deleted files). Undos of one vault run one at a time
(threads and processes), so a batch is undone at most once. The undo is itself a batch in the log,
and can be undone in turn (`redo`): its entries are a change like any other.

Summaries are a note's title or a lesson's: one holding a secret is redacted before it is written,
and again when it is read (a log an earlier memem wrote is redacted in place once, on open).

The log keeps the text an operation replaced for KEEP_DAYS: after that the operation is still listed
(what, when, which notes) but its text is forgotten, overwritten in the file, and it can no longer be
undone. A person who deletes a note, or a line of one, expects it gone in time, not kept in memem's
state for ever.
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
from memem.index.state_db import exclusive, private_db
from memem.vault import writer
from memem.vault.files import walk_tree
from memem.vault.injection import addressed_to_model
from memem.vault.secrets import redact, secret_kinds

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
    undoes TEXT,          -- for an undo's entries: the batch they revert
    forgotten INTEGER NOT NULL DEFAULT 0  -- 1: older than KEEP_DAYS, `before` forgotten
);
CREATE INDEX IF NOT EXISTS events_batch ON events (batch);
"""
COLUMNS = {"forgotten": "INTEGER NOT NULL DEFAULT 0"}
"""Columns a log written by an earlier memem lacks: added on open, its rows kept."""
KEEP_DAYS = 90
"""How far back undo reaches (git's reflog keeps unreachable entries as long)."""
TRASH = ".trash"
REDACTED_VERSION = 1
"""`PRAGMA user_version` from which every summary in the log is redacted (an earlier memem's is not)."""

_undo_locks: dict[str, threading.Lock] = {}
_undo_locks_guard = threading.Lock()

_batch: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar("memem_event_batch", default=None)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_summary(summary: str) -> str:
    """A summary as the log keeps and shows it: one line, any secret in it redacted, then shortened
    (redacted first, so a secret cut in half is still found)."""
    return " ".join(redact(" ".join(summary.split())).split())[:200]


@dataclass(frozen=True)
class Entry:
    seq: int
    path: str
    note_id: str | None
    before: str | None
    after_sha: str | None
    forgotten: bool = False


@dataclass
class Batch:
    batch: str
    op: str
    summary: str
    at: float
    entries: list[Entry] = field(default_factory=list)

    @property
    def forgotten(self) -> bool:
        """Older than KEEP_DAYS: listed, no longer undoable."""
        return any(e.forgotten for e in self.entries)

    def to_json(self) -> dict[str, object]:
        return {
            "batch": self.batch, "op": self.op, "summary": self.summary, "at": self.at,
            "undoable": not self.forgotten,
            "notes": [
                {"path": e.path, "id": e.note_id, "created": e.before is None and not e.forgotten}
                for e in self.entries
            ],
        }  # fmt: skip


class EventLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.conn = private_db(path, SCHEMA, "events", COLUMNS)
        self.conn.execute("CREATE INDEX IF NOT EXISTS events_at ON events (at) WHERE forgotten = 0")
        self._forgot_at = 0.0
        self._redact_old_summaries()
        self.forget_before(time.time() - KEEP_DAYS * 86400)

    def _redact_old_summaries(self) -> None:
        """Once per log: redact the summaries an earlier memem wrote as they were (a note's title could
        hold a secret), overwriting the old text in the file."""
        (version,) = self.conn.execute("PRAGMA user_version").fetchone()
        if version >= REDACTED_VERSION:
            return
        with self._lock:
            self.conn.execute("PRAGMA secure_delete = ON")
            for (summary,) in self.conn.execute("SELECT DISTINCT summary FROM events").fetchall():
                cleaned = clean_summary(summary)
                if cleaned != summary:
                    self.conn.execute("UPDATE events SET summary = ? WHERE summary = ?", (cleaned, summary))
            self.conn.execute(f"PRAGMA user_version = {REDACTED_VERSION}")

    def forget_before(self, cutoff: float) -> int:
        """Forget the replaced text of every entry recorded before `cutoff` (seconds since the epoch);
        returns how many entries. SQLite's secure_delete overwrites the old text in the file rather
        than leaving it in free pages."""
        with self._lock:
            self._forgot_at = time.time()
            self.conn.execute("PRAGMA secure_delete = ON")
            cursor = self.conn.execute(
                "UPDATE events SET before = NULL, forgotten = 1 WHERE at < ? AND forgotten = 0", (cutoff,)
            )
            return cursor.rowcount

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
        if time.time() - self._forgot_at > 86400:  # a daemon runs for weeks: forget daily, not only on open
            self.forget_before(time.time() - KEEP_DAYS * 86400)
        batch = secrets.token_hex(6)
        token = _batch.set((batch, op, clean_summary(summary)))
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
                    "SELECT seq, path, note_id, before, after_sha, forgotten FROM events WHERE batch=? ORDER BY seq",
                    (batch,),
                )
            ]
            found.append(Batch(batch, op, clean_summary(summary), at, entries))
            if len(found) >= limit:
                break
        return found

    # --- undo ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _undoing(self) -> Iterator[None]:
        """One undo of this vault at a time: across the daemon's threads (one lock per log file, however
        many EventLogs were opened on it) and across processes (a lock file beside the log)."""
        key = str(self.path.resolve())
        with _undo_locks_guard:
            lock = _undo_locks.setdefault(key, threading.Lock())
        with lock, exclusive(self.path, "undo"):
            yield

    def undo(self, vault: Path, count: int = 1) -> tuple[list[Batch], list[str]]:
        """Revert the newest `count` batches; returns them and the vault-relative paths touched.

        All or nothing: every step of every batch is planned against the notes as they are now (a
        batch's undo must find each note as that batch left it, or as the newer batches' undos will
        leave it) before anything is written; a note changed since raises Conflict and nothing is
        undone. Should a save land between the plan and the write, the steps already taken are put
        back and nothing is undone either: an undo is never recorded for a change it did not make.
        """
        with self._undoing():
            batches = self.batches(count)
            if not batches:
                raise NotFound("nothing to undo: the event log holds no operation that is not undone yet")
            old = next((b for b in batches if b.forgotten), None)
            if old is not None:
                raise Conflict(
                    f"cannot undo “{old.summary or old.op}”: it is more than {KEEP_DAYS} days old, and memem keeps "
                    "what an operation replaced only that long; nothing was undone"
                )
            try:
                plan = _plan(vault, batches)
            except _Blocked as exc:
                if len(self.batches(2)) < 2:
                    raise
                raise Conflict(
                    f"{exc} (it is operation {exc.batch.batch}). An older operation whose notes were not changed "
                    "since can still be undone on its own, past this one, by its id (`memem undo --list` shows them)"
                ) from None
            return batches, self._revert(vault, batches, plan)

    def undo_batch(self, vault: Path, batch_id: str) -> Undone:
        """Revert one operation by its id (or a unique start of it, 4 characters at least), however many
        newer ones are not undone: those are left as they are, and named in `skipped` with why (one whose
        note was edited since, or simply not asked for). An undo's own id redoes what it undid. Refused
        (Conflict, nothing written) when one of its notes was changed since, naming the newer operation
        that changed it when memem did."""
        with self._undoing():
            return self._undo_batch(vault, self._find(batch_id))

    def redo(self, vault: Path) -> Undone:
        """Undo the newest undo still in force: what it reverted is made again, where nothing changed since."""
        with self._undoing():
            undos = self.redoable(1)
            if not undos:
                raise NotFound("nothing to redo: no undo in the event log is still in force")
            return self._undo_batch(vault, undos[0])

    def redoable(self, limit: int = 10) -> list[Batch]:
        """The newest undos still in force (not undone in turn), newest first: what `redo` makes again."""
        rows = self.conn.execute(
            "SELECT batch FROM events WHERE op = 'undo' AND batch NOT IN "
            "(SELECT undoes FROM events WHERE undoes IS NOT NULL) GROUP BY batch ORDER BY MAX(seq) DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [b for (batch,) in rows if (b := self._load(batch)) is not None]

    def _undo_batch(self, vault: Path, target: Batch) -> Undone:
        if target.forgotten:
            raise Conflict(
                f"cannot undo “{target.summary or target.op}”: it is more than {KEEP_DAYS} days old, and memem "
                "keeps what an operation replaced only that long; nothing was undone"
            )
        newer = self._newer_live(target)
        try:
            plan = _plan(vault, [target])
        except Conflict as exc:
            paths = {e.path for e in target.entries}
            by = [b for b in newer if paths & {e.path for e in b.entries}]
            if not by:
                raise
            names = ", ".join(f"“{b.summary or b.op}” ({b.batch})" for b in by)
            raise Conflict(f"{exc}; it was changed by the newer {names}, to be undone first") from None
        skipped = [(b, _blocked(vault, b) or "not asked for: left as it is") for b in newer]
        touched = self._revert(vault, [target], plan)
        return Undone([target], touched, skipped)

    def _load(self, batch: str) -> Batch | None:
        rows = self.conn.execute(
            "SELECT seq, path, note_id, before, after_sha, forgotten, op, summary, at FROM events WHERE batch=? "
            "ORDER BY seq",
            (batch,),
        ).fetchall()
        if not rows:
            return None
        entries = [Entry(*r[:6]) for r in rows]
        return Batch(batch, rows[0][6], clean_summary(rows[0][7]), min(r[8] for r in rows), entries)

    def _undone(self, batch: str) -> bool:
        return self.conn.execute("SELECT 1 FROM events WHERE undoes = ? LIMIT 1", (batch,)).fetchone() is not None

    def _find(self, batch_id: str) -> Batch:
        wanted = batch_id.strip().lower()
        if len(wanted) < 4 or any(c not in "0123456789abcdef" for c in wanted):
            raise NotFound("no such operation: give its id as `memem undo --list` shows it (4 characters at least)")
        ids = [
            r[0] for r in self.conn.execute(
                "SELECT DISTINCT batch FROM events WHERE substr(batch, 1, ?) = ?", (len(wanted), wanted)
            )
        ]  # fmt: skip
        if not ids:
            raise NotFound(f"no operation {batch_id!r} in the event log")
        if len(ids) > 1:
            raise NotFound(f"{batch_id!r} starts the ids of {len(ids)} operations: give more of it")
        if self._undone(ids[0]):
            raise Conflict(f"operation {ids[0]} is undone already; nothing was undone")
        found = self._load(ids[0])
        if found is None:
            raise NotFound(f"no operation {batch_id!r} in the event log")
        return found

    def _newer_live(self, target: Batch) -> list[Batch]:
        """The operations after `target` still in force (not undone, and not undos), newest first."""
        newer: list[Batch] = []
        for batch in self.batches(10_000):
            if batch.batch == target.batch:
                return newer
            newer.append(batch)
        return []  # `target` is an undo (a redo): the operations are not ranked against it

    def _revert(self, vault: Path, batches: list[Batch], plan: list[_Step]) -> list[str]:
        """Carry out `plan` (all of it, or none: a step that fails puts back those done) and record it,
        each batch's undo as a batch of its own. Called with the undo lock held."""
        if any(self._undone(b.batch) for b in batches):  # the lock makes this impossible; the log must never lie
            raise Conflict("cannot undo: an operation asked for is undone already; nothing was undone")
        done: list[_Step] = []
        try:
            for step in plan:
                step.apply(vault)
                done.append(step)
        except (Conflict, OSError, UnicodeDecodeError, writer.WriteConflict) as exc:
            for step in reversed(done):
                step.roll_back(vault)
            raise Conflict(f"cannot undo: {exc}; nothing was undone") from None
        for batch in batches:
            op, summary = _undo_summary(batch)
            with self.operation(op, summary):
                for step in (s for s in plan if s.batch is batch):
                    self._append(step.path, step.note_id, step.replaced, step.restored, undoes=batch.batch)
        return list(dict.fromkeys(step.path for step in plan))


@dataclass
class Undone:
    """What `undo_batch` and `redo` did: the batch reverted, the notes touched, and the newer operations
    left as they are, each with why."""

    batches: list[Batch]
    paths: list[str]
    skipped: list[tuple[Batch, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "undone": [b.to_json() for b in self.batches], "paths": self.paths,
            "skipped": [{**b.to_json(), "why": why} for b, why in self.skipped],
        }  # fmt: skip


def _undo_summary(batch: Batch) -> tuple[str, str]:
    """The op and summary of the batch that reverts `batch`: an undo, or, reverting an undo, a redo."""
    if batch.op == "undo":
        return "redo", "redo " + batch.summary.removeprefix("undo ")
    if batch.op == "redo":
        return "undo", "undo " + batch.summary.removeprefix("redo ")
    return "undo", f"undo {batch.op}: {batch.summary}"


def _blocked(vault: Path, batch: Batch) -> str | None:
    """Why `batch` could not be undone now (a note changed since, too old), or None if it could."""
    if batch.forgotten:
        return f"more than {KEEP_DAYS} days old: what it replaced is forgotten"
    try:
        _plan(vault, [batch])
    except Conflict as exc:
        return str(exc).removesuffix("; nothing was undone")
    return None


@dataclass
class _Step:
    """Putting one note back as it was before one batch: `restored` is its text then (None: it did not
    exist), `replaced` its text now (None: it does not exist)."""

    batch: Batch
    path: str
    note_id: str | None
    replaced: str | None
    restored: str | None

    def apply(self, vault: Path) -> None:
        self._put(vault, self.replaced, self.restored)

    def roll_back(self, vault: Path) -> None:
        """Best effort: the note as it was before `apply`, unless it changed again since."""
        with contextlib.suppress(Conflict, OSError, UnicodeDecodeError, writer.WriteConflict):
            self._put(vault, self.restored, self.replaced)

    def _put(self, vault: Path, expected: str | None, text: str | None) -> None:
        target = vault / self.path
        if expected == text:
            return  # already as wanted (reverted elsewhere, by the plugin's own undo): recorded only
        if text is None:  # memem created it: to the trash, never deleted
            if _read(target) != expected:
                raise Conflict(f"{self.path} was edited just now")
            trashed = _to_trash(vault, target)
            if _read(trashed) != expected:  # saved between the look and the move: the save goes back
                if writer.create_at(target, trashed.read_bytes()):
                    trashed.unlink()
                    raise Conflict(f"{self.path} was edited just now")
                kept = f"{TRASH}/{trashed.name}"
                raise Conflict(f"{self.path} was edited and created again just now; that edit is kept as {kept}")
        elif expected is None:  # it was moved to the trash: put it back where it was, never over another note
            if not writer.create_at(target, text.encode("utf-8")):
                raise Conflict(f"{self.path} was created again just now")
        else:

            def revert(current: str) -> str:
                if current != expected:  # saved by someone in the last instant: theirs stands
                    raise Conflict(f"{self.path} was edited just now")
                return str(text)

            writer.update(target, revert)


class _Blocked(Conflict):
    """A batch that cannot be undone because one of its notes changed since: `batch` names it."""

    def __init__(self, message: str, batch: Batch) -> None:
        super().__init__(message)
        self.batch = batch


def _as_left(current: str | None, after_sha: str | None) -> bool:
    """Whether a note is as a batch left it: gone (moved to the trash), or with the text it wrote."""
    return current is None if after_sha is None else current is not None and sha(current) == after_sha


def _plan(vault: Path, batches: list[Batch]) -> list[_Step]:
    """The steps that undo `batches` (newest first), checked against the notes as they are now and as
    each earlier step will leave them; raises Conflict, naming the batch, before anything is written."""
    state: dict[str, str | None] = {}
    steps: list[_Step] = []
    for batch in batches:
        last: dict[str, Entry] = {}
        first: dict[str, Entry] = {}
        for entry in batch.entries:
            last[entry.path] = entry
            first.setdefault(entry.path, entry)
        for path, entry in last.items():
            current = state[path] if path in state else _read(vault / path)
            original = first[path].before
            if current != original and not _as_left(current, entry.after_sha):
                what = "was deleted" if current is None else "was edited" if entry.after_sha else "exists again"
                why = f"cannot undo “{batch.summary or batch.op}”: {path} {what} since; nothing was undone"
                raise _Blocked(why, batch)
            if original is None and current is None and entry.after_sha and entry.note_id:
                moved = _moved_to(vault, entry.note_id, path)
                if moved is not None:  # the note memem made is still there, under another name
                    raise _Blocked(
                        f"cannot undo “{batch.summary or batch.op}”: the note it made was moved since (it is "
                        f"now {moved}); nothing was undone (deprecate it, or delete it by hand)",
                        batch,
                    )
            flagged = _brought_back(original, current)
            if flagged:
                raise _Blocked(
                    f"cannot undo “{batch.summary or batch.op}”: it would write {path} back with "
                    f"{', '.join(flagged)}, which the note does not hold now; nothing was undone",
                    batch,
                )
            steps.append(_Step(batch, path, entry.note_id, current, original))
            state[path] = original
    return steps


def _flags(text: str | None) -> set[str]:
    """What the screens find in a note's text: secrets by kind, instructions aimed at the model."""
    if not text:
        return set()
    return {f"a secret ({kind})" for kind in secret_kinds(text)} | {
        "text aimed at the model" for _ in addressed_to_model(text)[:1]
    }


def _brought_back(restored: str | None, current: str | None) -> list[str]:
    """What an undo would write into a note that the note does not hold now: the text it restores came
    from the log, which an HTTP caller fed (`log_edits`), so it is screened like any write. A note
    that holds the same already (a person's note withheld from recall, which memem then edited) is
    put back as it was; an undo must not be the way a secret or an instruction gets into the vault."""
    if restored is None or restored == current:
        return []
    return sorted(_flags(restored) - _flags(current))


def _moved_to(vault: Path, note_id: str, was: str) -> str | None:
    """Where in the vault's memem folder a note with this id is now, other than `was` (None: nowhere).
    Read for an undo only, so a walk of the folder (the first lines of each note) is affordable."""
    for folder, _dirs, files in walk_tree(vault / "memem", lambda name: name.startswith(".")):
        for name in files:
            if not name.endswith(".md"):
                continue
            full = Path(folder) / name
            rel = full.relative_to(vault).as_posix()
            if rel == was:
                continue
            try:
                with full.open("rb") as handle:
                    head = handle.read(4096)
            except OSError:
                continue
            if writer.front_matter_id(head) == note_id:
                return rel
    return None


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
