"""Telling the person, once, about parts of their sessions the miner had to set aside.

Read by the SessionStart hook, so standard library only (no dataclasses, no typing): it opens the
miner's state database itself, and only when the file exists. Each part is told about once: the
first session to start after it was set aside marks it told.
"""

from __future__ import annotations

import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def untold_set_aside(home: Path) -> list[tuple[str, str]]:
    """(transcript, reason) for each part set aside since the last session was told; marks them told."""
    db_path = home / "mining" / "state.sqlite3"
    if not db_path.is_file():
        return []
    try:
        db = sqlite3.connect(db_path, timeout=2, isolation_level=None)
    except sqlite3.Error:
        return []
    try:
        db.execute("BEGIN IMMEDIATE")  # two sessions starting at once: only one of them tells
        rows = db.execute("SELECT path, reason FROM parts_set_aside WHERE reported=0 ORDER BY at").fetchall()
        db.execute("UPDATE parts_set_aside SET reported=1 WHERE reported=0")
        db.execute("COMMIT")
    except sqlite3.Error:
        return []  # no such table yet (state from an older memem), or the database is busy: tell next time
    finally:
        db.close()
    return [(str(path), _one_line(str(reason))) for path, reason in rows]


def _one_line(reason: str, limit: int = 200) -> str:
    """A reason as one short line: its first. One stored by an earlier memem may be a validation
    error's dump, whose later lines quote the model's answer."""
    flat = " ".join(reason.strip().split("\n", 1)[0].split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def notice(home: Path) -> str | None:
    """One line for the session, or None."""
    parts = untold_set_aside(home)
    if not parts:
        return None
    sessions = len({path for path, _ in parts})
    reason = parts[-1][1]
    return (
        f"memem could not mine {len(parts)} part(s) of {sessions} session(s) and set them aside ({reason}). "
        "`memem mine --status` lists them; `memem mine --retry` tries them again."
    )
