"""memem's own state databases (the event log, the usefulness ledger, the miner's offsets): opened the
one way, private to their owner, with columns a newer memem added grown in place.

These are memem's derived state, not the person's notes. One that is damaged (truncated, overwritten,
not a database at all) must not take every command down with it: it is set aside (renamed
`NAME.damaged-STAMP`, kept, never deleted) and started anew, with one warning in the log, and
`damaged_state` names it for `memem doctor` for as long as the set-aside copy is there. The miner's
offsets are the exception: started anew, every transcript would be mined again (a model's cost), so
that damage is raised and the miner tells the person what to do (`memem.mining.state`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from memem.config import private_dir, private_file
from memem.index.problems import Problem

log = logging.getLogger("memem.state")

DAMAGED = ".damaged-"
"""What the name of a set-aside database holds: `events.sqlite3.damaged-20260101T120000`."""
CHECK_BYTES = 32 << 20
"""Up to this size a database is read through (`PRAGMA quick_check`, a few ms a MB) each time it is
opened; a larger one only when it is shorter than its header says."""
RAISE_ON_DAMAGE = (("mining", "state.sqlite3"),)
"""(folder, name) of the databases whose damage is raised rather than set aside (see the module)."""
_LOST = {
    "catalog.sqlite3": "the index was built again from the vault (the notes are untouched)",
    "events.sqlite3": "the history `memem undo` reaches starts again (the notes are untouched)",
    "ledger.sqlite3": "recall's record of which memories were useful starts again",
    "verdicts.sqlite3": "the stored verdicts on pairs of notes are asked again",
    "token_states.sqlite3": "the notes' token states for recall are computed again at the next index",
    "token_states-": "that model's token states for recall are computed again at the next index",
}


def private_db(
    path: Path, schema: str, table: str = "", columns: dict[str, str] | None = None, set_aside: bool | None = None
) -> sqlite3.Connection:
    """A SQLite database of memem's state, only its owner may read (0600 in a 0700 folder): autocommit,
    WAL, shared across threads, `schema` applied, and any of `columns` that `table` lacks (a database an
    earlier memem wrote) added, its rows kept.

    A damaged database is set aside and started anew (`set_aside`; by default every one but those in
    RAISE_ON_DAMAGE); otherwise its sqlite3.DatabaseError is raised."""
    private_dir(path.parent)
    if set_aside is None:
        set_aside = (path.parent.name, path.name) not in RAISE_ON_DAMAGE
    try:
        return _open(path, schema, table, columns)
    except sqlite3.DatabaseError as exc:
        if not set_aside or not damaged(exc):
            raise
    with exclusive(path):  # one process sets it aside; the others, waiting here, open the new one
        try:
            return _open(path, schema, table, columns)
        except sqlite3.DatabaseError as exc:
            if not damaged(exc):
                raise
            reason = " ".join(str(exc).split())[:200]
        kept = move_aside(path)
    log.warning("memem's state database %s was damaged (%s): set aside as %s, started anew", path, reason, kept.name)
    return _open(path, schema, table, columns)


def damaged(exc: BaseException) -> bool:
    """A database that is corrupt or not a database at all (not one that is busy, locked or read-only)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return str(name).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    return type(exc) is sqlite3.DatabaseError


def damaged_state(*folders: Path) -> list[Problem]:
    """A warning for each state database set aside as damaged in `folders` (while its copy is kept)."""
    problems: list[Problem] = []
    for folder in folders:
        try:
            kept = sorted(p for p in folder.glob(f"*{DAMAGED}*") if not p.name.endswith(("-wal", "-shm")))
        except OSError:
            continue
        for copy in kept:
            name, _, stamp = copy.name.partition(DAMAGED)
            when = _when(stamp)
            problems.append(Problem(
                "warning",
                f"memem's state database {name} was damaged and was started anew{when}: "
                f"{_lost(name)}; "
                f"the damaged copy is kept as {copy}",
                f"nothing to repair; delete {copy} (and any {copy.name}-wal) when you no longer want it: memem "
                "never deletes it, and names it here until then",
            ))  # fmt: skip
    return problems


def _lost(name: str) -> str:
    """What starting the database anew costs, in words."""
    for key, words in _LOST.items():
        if name == key or (key.endswith("-") and name.startswith(key)):
            return words
    return "what it held is gathered again as memem runs"


def _when(stamp: str) -> str:
    try:
        return " on " + time.strftime("%Y-%m-%d %H:%M", time.strptime(stamp[:15], "%Y%m%dT%H%M%S"))
    except ValueError:
        return ""


def _open(path: Path, schema: str, table: str, columns: dict[str, str] | None) -> sqlite3.Connection:
    truncated = shorter_than_header(path)
    conn = sqlite3.connect(private_file(path), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        if truncated or _size(path) <= CHECK_BYTES:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                what = row[0] if row else "no answer"
                raise sqlite3.DatabaseError(f"database disk image is malformed ({' '.join(str(what).split())[:120]})")
        conn.executescript(schema)
        if table and columns:
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            for column, kind in columns.items():
                if column not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    except BaseException:
        conn.close()
        raise
    return conn


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def shorter_than_header(path: Path) -> bool:
    """Whether the file is shorter than the page count its header gives (a truncated copy): only a hint
    for reading it through, never a verdict; a write-ahead log in use may hold the pages meanwhile."""
    try:
        if _size(Path(f"{path}-wal")):
            return False
        with path.open("rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]
    return valid and pages * page > size


@contextlib.contextmanager
def exclusive(path: Path, purpose: str = "lock") -> Iterator[None]:
    """Held by one process (and one thread) at a time, for `purpose` on the database at `path`."""
    import fcntl

    fd = os.open(path.with_name(f".{path.name}.{purpose}"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def move_aside(path: Path) -> Path:
    """Rename the database (and its write-ahead log and shared memory) out of the way; never deletes."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    kept, n = path.with_name(f"{path.name}{DAMAGED}{stamp}"), 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.name}{DAMAGED}{stamp}-{n}")
    path.rename(kept)
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{path}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            side.rename(f"{kept}{suffix}")
    return kept
