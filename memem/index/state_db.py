"""memem's own state databases (the event log, the usefulness ledger, the miner's offsets): opened the
one way, private to their owner, with columns a newer memem added grown in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from memem.config import private_dir, private_file


def private_db(path: Path, schema: str, table: str = "", columns: dict[str, str] | None = None) -> sqlite3.Connection:
    """A SQLite database of memem's state, only its owner may read (0600 in a 0700 folder): autocommit,
    WAL, shared across threads, `schema` applied, and any of `columns` that `table` lacks (a database an
    earlier memem wrote) added, its rows kept."""
    private_dir(path.parent)
    conn = sqlite3.connect(private_file(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(schema)
    if table and columns:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for column, kind in columns.items():
            if column not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    return conn
