"""The catalog: one SQLite file holding what is indexed, the full-text index, and the bad-notes list.

One row per note file, keyed by a surrogate `uid` rather than the note's `id`: two files that share
an id are both kept (neither hides the other), and a renamed file keeps its uid, so its vector in
chromadb stays where it is. `vector_hash` records which text the stored vector was made from: when
it differs from `embed_hash`, the vector is missing or stale, which is how a crash between the
SQLite commit and the chromadb write is healed on the next start.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memem.config import private_dir, private_file
from memem.graph.memory_graph import GraphNote
from memem.index.quick import BM25, MAX_PINNED, PINNED_ORDER, PINNED_WHERE, fulltext_sql, hidden_sql
from memem.index.scope import Scope
from memem.index.state_db import CHECK_BYTES, damaged, exclusive, move_aside, shorter_than_header
from memem.vault.note import BadNote, Note, TypedLink
from memem.vault.scan import FileStat
from memem.vault.teams import team_of
from memem.vault.wikilinks import WikiLink
from memem.vault.withheld import is_withheld

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    uid INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    project TEXT,
    layer INTEGER NOT NULL,
    kind TEXT NOT NULL,
    tags TEXT NOT NULL,
    importance INTEGER NOT NULL,
    status TEXT NOT NULL,
    created TEXT, updated TEXT, valid_to TEXT,
    source_type TEXT, source_session TEXT, reviewed TEXT,
    aliases TEXT NOT NULL,
    links TEXT NOT NULL,
    warnings TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    vector_hash TEXT,
    indexed_at REAL NOT NULL,
    ctime_ns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notes_by_id ON notes(id);
CREATE INDEX IF NOT EXISTS notes_by_project ON notes(project);
CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5(
    title, body, tags, tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS bad_notes (path TEXT PRIMARY KEY, reason TEXT NOT NULL, seen_at REAL NOT NULL);
"""


@dataclass(frozen=True)
class Row:
    """A catalog row: what the indexes know about one note file."""

    uid: int
    path: str
    id: str
    title: str
    project: str | None
    layer: int
    kind: str
    tags: tuple[str, ...]
    importance: int
    status: str
    created: str | None
    updated: str | None
    valid_to: str | None
    source_type: str | None
    source_session: str | None
    reviewed: str | None
    aliases: tuple[str, ...]
    links: tuple[TypedLink, ...]
    warnings: tuple[str, ...]
    content_hash: str
    size: int
    mtime_ns: int
    inode: int
    embed_hash: str
    vector_hash: str | None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")

    @property
    def team(self) -> str | None:
        """The team vault this note belongs to, or None for the person's own (`memem.teams`)."""
        return team_of(self.path)

    @property
    def withheld(self) -> bool:
        """It holds text addressed to a model or a secret (`vault.withheld`): never put into a prompt by recall."""
        return is_withheld(self.warnings)

    def graph_note(self) -> GraphNote:
        return GraphNote(
            self.uid, self.id, self.title, self.path, self.status, self.project, self.layer, self.created,
            self.updated, self.aliases, self.links,
        )  # fmt: skip


def _links_json(links: Sequence[TypedLink]) -> str:
    return json.dumps(
        [[t.kind, t.link.target, t.link.heading, t.link.alias, t.link.embed] for t in links], ensure_ascii=False
    )


def _links_from_json(text: str) -> tuple[TypedLink, ...]:
    return tuple(
        TypedLink(kind, WikiLink(target=target, heading=heading, alias=alias, embed=bool(embed)))
        for kind, target, heading, alias, embed in json.loads(text)
    )


_ROW_COLUMNS = (
    "uid, path, id, title, project, layer, kind, tags, importance, status, created, updated, valid_to, "
    "source_type, source_session, reviewed, aliases, links, warnings, content_hash, size, mtime_ns, inode, "
    "embed_hash, vector_hash"
)


def _row(values: Sequence[Any]) -> Row:
    v = list(values)
    return Row(
        uid=v[0], path=v[1], id=v[2], title=v[3], project=v[4], layer=v[5], kind=v[6],
        tags=tuple(json.loads(v[7])), importance=v[8], status=v[9], created=v[10], updated=v[11],
        valid_to=v[12], source_type=v[13], source_session=v[14], reviewed=v[15],
        aliases=tuple(json.loads(v[16])), links=_links_from_json(v[17]), warnings=tuple(json.loads(v[18])),
        content_hash=v[19], size=v[20], mtime_ns=v[21], inode=v[22], embed_hash=v[23], vector_hash=v[24],
    )  # fmt: skip


class Catalog:
    """SQLite access. Writes happen on the owner's thread; reads may come from any thread."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        private_file(path)  # SQLite gives its -wal and -shm files the mode of the database file
        self.path = path
        self._local = threading.local()
        self.new = not path.exists() or path.stat().st_size == 0
        """Started empty here (first use, or built again): the vectors kept from before are matched to
        its rows by their text's hash once the first reconcile has made them (`IndexStore`)."""
        try:
            self._create()
        except sqlite3.DatabaseError as exc:
            if not damaged(exc):
                raise
            # Derived from the vault, as every index is: set aside (never deleted) and built again, rather
            # than every command and the daemon failing on it.
            self.close()
            with exclusive(path):
                kept = move_aside(path)
            log.warning("the catalog %s was damaged (%s): set aside as %s, built again", path, exc, kept.name)
            private_file(path)
            self.new = True
            self._create()

    def _create(self) -> None:
        with self._connect() as conn:
            # Read through when small enough (as memem's other state is) or cut short: damage shows only
            # where a page is read, and would fail every command later rather than set aside here.
            if shorter_than_header(self.path) or self.path.stat().st_size <= CHECK_BYTES:
                row = conn.execute("PRAGMA quick_check").fetchone()
                if not row or row[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            if "ctime_ns" not in {r[1] for r in conn.execute("PRAGMA table_info(notes)")}:
                # A catalog from before ctimes were kept: 0 matches no file, so the next reconcile
                # reads each note once (nothing is re-embedded whose text did not change).
                conn.execute("ALTER TABLE notes ADD COLUMN ctime_ns INTEGER NOT NULL DEFAULT 0")

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        return self._connect()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_meta(self, conn: sqlite3.Connection, key: str) -> None:
        conn.execute("DELETE FROM meta WHERE key=?", (key,))

    # --- reads ------------------------------------------------------------------------------------
    def _rows(self, where: str = "", params: Sequence[Any] = ()) -> list[Row]:
        sql = f"SELECT {_ROW_COLUMNS} FROM notes n {('WHERE ' + where) if where else ''}"
        return [_row(r) for r in self.conn.execute(sql, params)]

    def rows(self) -> list[Row]:
        """Every row (start-up, audits, tests)."""
        return self._rows()

    def by_uid(self, uids: Iterable[int]) -> dict[int, Row]:
        wanted = list(uids)
        found: dict[int, Row] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update((r.uid, r) for r in self._rows(f"uid IN ({marks})", chunk))
        return found

    def by_id(self, note_id: str) -> list[Row]:
        return self._rows("id=? ORDER BY path", (note_id,))

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids some note has."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(i for (i,) in self.conn.execute(f"SELECT DISTINCT id FROM notes WHERE id IN ({marks})", chunk))
        return found

    def by_path(self, path: str) -> Row | None:
        found = self._rows("path=?", (path,))
        return found[0] if found else None

    def stats(self) -> dict[str, tuple[int, int, int, int, int]]:
        """path -> (uid, size, mtime_ns, inode, ctime_ns): what a reconcile compares against."""
        return {
            r[0]: (r[1], r[2], r[3], r[4], r[5])
            for r in self.conn.execute("SELECT path, uid, size, mtime_ns, inode, ctime_ns FROM notes")
        }

    def uids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT uid FROM notes")}

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM notes").fetchone()[0])

    def fresh_vectors(self) -> list[tuple[int, str, str]]:
        """(uid, path, embed hash) of every note whose vector is of its current text: what a check over
        the whole vault needs, without building every row."""
        rows = self.conn.execute("SELECT uid, path, embed_hash FROM notes WHERE vector_hash = embed_hash")
        return [(int(uid), str(path), str(digest)) for uid, path, digest in rows]

    def embed_hashes(self) -> dict[int, str]:
        """uid -> the hash of the text its vector should be made from, for every note."""
        return {int(uid): str(digest) for uid, digest in self.conn.execute("SELECT uid, embed_hash FROM notes")}

    def fresh_of(self, uids: Sequence[int]) -> set[int]:
        """Those of `uids` whose stored vector is of their current text (a stale one may be another
        note's, a uid given again by a catalog built anew)."""
        found: set[int] = set()
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT uid FROM notes WHERE uid IN ({marks}) AND vector_hash = embed_hash"
            found.update(int(r[0]) for r in self.conn.execute(sql, chunk))
        return found

    def pending_vectors(self) -> list[int]:
        rows = self.conn.execute("SELECT uid FROM notes WHERE vector_hash IS NULL OR vector_hash != embed_hash")
        return [r[0] for r in rows]

    def body(self, uid: int) -> str:
        row = self.conn.execute("SELECT body FROM notes_fts WHERE rowid=?", (uid,)).fetchone()
        return "" if row is None else str(row[0])

    def bodies(self, uids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(f"SELECT rowid, body FROM notes_fts WHERE rowid IN ({marks})", chunk))
        return out

    # --- the queries of recall and of the memory operations -----------------------------------------
    def fulltext(self, expression: str, scope: Scope, limit: int) -> list[tuple[int, float]]:
        """(uid, bm25) of the notes matching an FTS5 expression within the scope; bm25 positive, best first."""
        sql, params = fulltext_sql(scope, f"n.uid, {BM25}")
        return [(uid, -rank) for uid, rank in self.conn.execute(sql, [expression, *params, limit])]

    def admitted(self, uids: Sequence[int], scope: Scope) -> set[int]:
        """Which of these notes the scope admits (the vector store filters by project only)."""
        if not uids:
            return set()
        where, params = scope.sql()
        marks = ",".join("?" * len(uids))
        sql = f"SELECT uid FROM notes WHERE uid IN ({marks}) AND {where}"
        return {uid for (uid,) in self.conn.execute(sql, [*uids, *params])}

    def pinned(self, project: str, hidden: tuple[str, ...] = ()) -> list[Row]:
        """The project's pinned (layer 0) notes, as the hooks' fallback orders them (none of a team vault
        that does not serve the project)."""
        extra, params = hidden_sql(hidden)
        return self._rows(f"{PINNED_WHERE}{extra} ORDER BY {PINNED_ORDER} LIMIT ?", (project, *params, MAX_PINNED))

    def same_title(self, title: str, scope: Scope) -> Row | None:
        where, params = scope.sql("n")
        found = self._rows(f"lower(n.title) = lower(?) AND {where} LIMIT 1", (title, *params))
        return found[0] if found else None

    def project_counts(self) -> dict[str | None, tuple[int, int]]:
        """project -> (active notes, deprecated notes); None is the global notes."""
        sql = "SELECT project, sum(status = 'active'), sum(status = 'deprecated') FROM notes GROUP BY project"
        return {p: (int(a), int(d)) for p, a, d in self.conn.execute(sql)}

    def page(self, project: str | None, global_only: bool, limit: int, offset: int) -> tuple[list[Row], int]:
        """A page of one project's own notes (the global ones with `global_only`; all with neither), the
        most recently changed first, and how many there are in all."""
        where, params = ("n.project = ?", [project]) if project else ("n.project IS NULL" if global_only else "1", [])
        rows = self._rows(
            f"{where} ORDER BY coalesce(n.updated, n.created) DESC, n.title LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        total = int(self.conn.execute(f"SELECT count(*) FROM notes n WHERE {where}", params).fetchone()[0])
        return rows, total

    def beside(self, row: Row, later: bool, limit: int) -> list[Row]:
        """Notes of the same project (or the global ones) created just before (or after) this one.

        `created` is a day: notes of the same day are ordered by when they were first indexed (their
        uid), so two of them never each list the other as the earlier one."""
        where, params = ("n.project = ?", [row.project]) if row.project else ("n.project IS NULL", [])
        stamp = row.created or ""
        key = "(coalesce(n.created, ''), n.uid)"
        if later:
            sql = f"{where} AND {key} > (?, ?) ORDER BY coalesce(n.created, '') ASC, n.uid ASC LIMIT ?"
        else:
            sql = f"{where} AND {key} < (?, ?) ORDER BY coalesce(n.created, '') DESC, n.uid DESC LIMIT ?"
        return self._rows(sql, (*params, stamp, row.uid, limit))

    def paths_under(self, prefix: str) -> list[str]:
        sql = "SELECT path FROM notes WHERE substr(path, 1, ?) = ?"
        return [r[0] for r in self.conn.execute(sql, (len(prefix), prefix))]

    def paths_named(self, name: str) -> list[str]:
        """The notes whose file is called `name` (any case), in whichever folder: a wikilink by name is
        ambiguous when there are two."""
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".md"
        rows = self.conn.execute("SELECT path FROM notes WHERE path LIKE ? ESCAPE '\\'", (pattern,))
        lowered = name.lower()
        return [p for (p,) in rows if p.rsplit("/", 1)[-1].removesuffix(".md").lower() == lowered]

    def fulltext_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0])

    def with_warnings(self) -> list[Row]:
        return self._rows("warnings != '[]'")

    def indexed_at(self) -> dict[str, float]:
        """path -> when it was last indexed (a reconcile re-reads a file changed in the same mtime tick)."""
        return {p: t for p, t in self.conn.execute("SELECT path, indexed_at FROM notes")}

    def bad_notes(self) -> list[BadNote]:
        return [BadNote(p, r) for p, r in self.conn.execute("SELECT path, reason FROM bad_notes ORDER BY path")]

    def duplicate_ids(self) -> dict[str, list[str]]:
        rows = self.conn.execute(
            "SELECT id, path FROM notes WHERE id IN (SELECT id FROM notes GROUP BY id HAVING count(*) > 1) "
            "ORDER BY id, path"
        )
        dupes: dict[str, list[str]] = {}
        for note_id, path in rows:
            dupes.setdefault(note_id, []).append(path)
        return dupes

    # --- writes (owner thread, inside `transaction`) ----------------------------------------------
    def upsert(self, conn: sqlite3.Connection, note: Note, st: FileStat, uid: int | None, keep_vector: bool) -> int:
        """Write one note's row and full-text entry; returns its uid. `uid` reuses a row (rename)."""
        values = (
            note.path, note.id, note.title, note.project, note.layer, note.kind,
            json.dumps(list(note.tags), ensure_ascii=False), note.importance, note.status, note.created,
            note.updated, note.valid_to, note.source_type, note.source_session, note.reviewed,
            json.dumps(list(note.aliases), ensure_ascii=False), _links_json(note.links),
            json.dumps(list(note.warnings), ensure_ascii=False), note.content_hash, st.size, st.mtime_ns,
            st.inode, note.embed_hash, time.time(), st.ctime_ns,
        )  # fmt: skip
        columns = (
            "path, id, title, project, layer, kind, tags, importance, status, created, updated, valid_to, "
            "source_type, source_session, reviewed, aliases, links, warnings, content_hash, size, mtime_ns, "
            "inode, embed_hash, indexed_at, ctime_ns"
        )
        if uid is None:
            marks = ",".join("?" * len(values))
            cursor = conn.execute(f"INSERT INTO notes ({columns}) VALUES ({marks})", values)
            uid = int(cursor.lastrowid or 0)
        else:
            assignments = ", ".join(f"{c.strip()}=?" for c in columns.split(","))
            vector = "" if keep_vector else ", vector_hash=NULL"
            conn.execute(f"UPDATE notes SET {assignments}{vector} WHERE uid=?", (*values, uid))
            conn.execute("DELETE FROM notes_fts WHERE rowid=?", (uid,))
        conn.execute(
            "INSERT INTO notes_fts(rowid, title, body, tags) VALUES (?, ?, ?, ?)",
            (uid, note.title, note.body, " ".join(note.tags)),
        )
        conn.execute("DELETE FROM bad_notes WHERE path=?", (note.path,))
        return uid

    def touch(self, conn: sqlite3.Connection, uid: int, st: FileStat) -> None:
        """The file was rewritten with identical bytes: remember the new stat and when, nothing else."""
        conn.execute(
            "UPDATE notes SET size=?, mtime_ns=?, inode=?, ctime_ns=?, indexed_at=? WHERE uid=?",
            (st.size, st.mtime_ns, st.inode, st.ctime_ns, time.time(), uid),
        )

    def mark_vector_fresh(self, conn: sqlite3.Connection, uid: int, embed_hash: str) -> None:
        """The vector now holds this text, unless the note was edited again while it was embedded."""
        conn.execute("UPDATE notes SET vector_hash=? WHERE uid=? AND embed_hash=?", (embed_hash, uid, embed_hash))

    @contextmanager
    def savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        """One note's writes inside a batch's transaction: undone alone if they fail."""
        conn.execute("SAVEPOINT one_note")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO one_note")
            conn.execute("RELEASE one_note")
            raise
        conn.execute("RELEASE one_note")

    def delete(self, conn: sqlite3.Connection, uid: int) -> None:
        conn.execute("DELETE FROM notes WHERE uid=?", (uid,))
        conn.execute("DELETE FROM notes_fts WHERE rowid=?", (uid,))

    def set_vector_hash(self, conn: sqlite3.Connection, uid: int, embed_hash: str | None) -> None:
        conn.execute("UPDATE notes SET vector_hash=? WHERE uid=?", (embed_hash, uid))

    def clear_vectors(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE notes SET vector_hash=NULL")

    def forget_parses(self, conn: sqlite3.Connection) -> None:
        """Every note read again at the next reconcile (its vector kept if its text is the same)."""
        # A hash no file has (so the note is read again), still one per note (the reranker's cache keys by it).
        conn.execute("UPDATE notes SET content_hash='recheck:' || content_hash, mtime_ns=0")

    def set_bad(self, conn: sqlite3.Connection, bad: BadNote) -> None:
        conn.execute("INSERT OR REPLACE INTO bad_notes VALUES (?, ?, ?)", (bad.path, bad.reason, time.time()))

    def has_bad(self, path: str) -> bool:
        return self.conn.execute("SELECT 1 FROM bad_notes WHERE path=?", (path,)).fetchone() is not None

    def clear_bad(self, conn: sqlite3.Connection, path: str) -> None:
        conn.execute("DELETE FROM bad_notes WHERE path=?", (path,))

    def replace_bad(self, conn: sqlite3.Connection, bad: Iterable[BadNote]) -> None:
        conn.execute("DELETE FROM bad_notes")
        conn.executemany(
            "INSERT OR REPLACE INTO bad_notes VALUES (?, ?, ?)", [(b.path, b.reason, time.time()) for b in bad]
        )
