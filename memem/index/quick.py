"""The catalog's read queries that must also run with nothing but sqlite3: a hook's, while no daemon answers.

A Claude Code hook that finds no daemon answers from the SQLite catalog alone, in a few milliseconds:
a keyword match and the project's pinned notes. Those queries are written here once, and `Catalog`
(which the daemon uses) runs the same text, so the fallback and full recall rank and scope alike.
Standard library only.
"""

from __future__ import annotations

import sqlite3

from memem.index.scope import NOT_WITHHELD, Scope, hidden_clauses

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

TITLE_WEIGHT, BODY_WEIGHT, TAGS_WEIGHT = 5.0, 1.0, 3.0
"""BM25 column weights: a word in the title counts five times one in the body, in a tag three times."""
BM25 = f"bm25(notes_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, {TAGS_WEIGHT})"
MAX_PINNED = 5


def fulltext_sql(scope: Scope, columns: str, limit_param: bool = True) -> tuple[str, list[Any]]:
    """`SELECT columns` of the notes matching an FTS5 expression (the first parameter) within `scope`,
    best first; `n` is the notes table, `notes_fts` the full-text one."""
    where, params = scope.sql("n")
    sql = (
        f"SELECT {columns} FROM notes_fts JOIN notes n ON n.uid = notes_fts.rowid "
        f"WHERE notes_fts MATCH ? AND {where} ORDER BY {BM25}" + (" LIMIT ?" if limit_param else "")
    )
    return sql, params


PINNED_WHERE = f"n.layer = 0 AND n.project = ? AND n.status = 'active' AND {NOT_WITHHELD.format(col='n.')}"
PINNED_ORDER = "n.importance DESC, coalesce(n.updated, n.created) DESC, n.uid"
"""A project's pinned (layer 0) notes: the most important first, then the newest."""


def open_readonly(path: Path) -> sqlite3.Connection | None:
    """The catalog for reading only, or None when there is none yet (no lock, no waiting on writers)."""
    if not path.exists():
        return None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.5)


def keyword_rows(
    conn: sqlite3.Connection, expression: str, scope: Scope, limit: int
) -> list[tuple[str, str, str, str]]:
    """(id, title, body, path) of the best full-text matches within the scope."""
    sql, params = fulltext_sql(scope, "n.id, n.title, notes_fts.body, n.path")
    return conn.execute(sql, [expression, *params, limit]).fetchall()


def hidden_sql(hidden: tuple[str, ...], alias: str = "n") -> tuple[str, list[str]]:
    """`AND …` leaving out the notes under these path prefixes (team vaults that do not serve a project):
    the scope rule's own clauses, for the queries that take a project rather than a `Scope`."""
    return "".join(f" AND {c}" for c in hidden_clauses(hidden, f"{alias}.")), list(hidden)


def pinned_rows(
    conn: sqlite3.Connection, project: str, limit: int = MAX_PINNED, hidden: tuple[str, ...] = ()
) -> list[tuple[str, str, str]]:
    """(id, title, body) of the project's pinned notes (none of a team vault that does not serve it)."""
    extra, params = hidden_sql(hidden)
    return conn.execute(
        f"SELECT n.id, n.title, f.body FROM notes n JOIN notes_fts f ON f.rowid = n.uid "
        f"WHERE {PINNED_WHERE}{extra} ORDER BY {PINNED_ORDER} LIMIT ?",
        (project, *params, limit),
    ).fetchall()
