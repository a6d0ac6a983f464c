"""What a hook can still recall in a few milliseconds while the daemon is starting: the SQLite catalog.

Read-only, no lock, no model: full-text matches only, under a stricter bar than the daemon's (most of
the prompt's words must appear in the note), because without vectors there is no similarity to check.
"""

from __future__ import annotations

import sqlite3

from memem.config import Paths
from memem.recall.text import CLOSE, OPEN, content_words, estimate_tokens, fts_expression, neutralise

MIN_COVERAGE = 0.6
MAX_ITEMS = 3


def _connect(paths: Paths) -> sqlite3.Connection | None:
    if not paths.catalog_db.exists():
        return None
    return sqlite3.connect(f"file:{paths.catalog_db}?mode=ro", uri=True, timeout=0.5)


def _render(rows: list[tuple[str, str, str]], heading: str, budget: int, project: str | None) -> str:
    scope = f" for {project}" if project else ""
    lines = [OPEN, f"## memem: what you remember{scope}", heading]
    for note_id, title, body in rows:
        first = next((line.strip("#*- ") for line in body.splitlines() if line.strip("#*- ")), "")
        line = f"- **{neutralise(title)}** — {neutralise(first[:160])} `{neutralise(note_id)}`"
        if estimate_tokens("\n".join([*lines, line, CLOSE])) > budget:
            break
        lines.append(line)
    if len(lines) == 3:
        return ""
    return "\n".join([*lines, CLOSE])


def keyword_slice(paths: Paths, prompt: str, project: str | None, budget: int) -> str:
    expression = fts_expression(prompt)
    wanted = set(content_words(prompt))
    conn = _connect(paths)
    if expression is None or conn is None or len(wanted) < 2:
        return ""
    try:
        rows = conn.execute(
            "SELECT n.id, n.title, f.body FROM notes_fts f JOIN notes n ON n.uid = f.rowid "
            "WHERE notes_fts MATCH ? AND n.status = 'active' AND n.layer != 3 "
            "AND (n.project = ? OR n.project IS NULL) ORDER BY bm25(notes_fts, 5.0, 1.0, 3.0) LIMIT 10",
            (expression, project),
        ).fetchall()
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    chosen = []
    for note_id, title, body in rows:
        present = set(content_words(f"{title} {body}"))
        # Prefix match stands in for stemming: "installs" ~ "install", "caching" ~ "cache".
        hits = sum(1 for w in wanted if w in present or any(p.startswith(w[:5]) for p in present if len(w) > 5))
        if hits / len(wanted) >= MIN_COVERAGE and hits >= 2:
            chosen.append((note_id, title, body))
    return _render(chosen[:MAX_ITEMS], "### Relevant (keyword match; full recall is starting)", budget, project)


def pinned_slice(paths: Paths, project: str | None, budget: int) -> str:
    conn = _connect(paths)
    if conn is None or not project:
        return ""
    try:
        rows = conn.execute(
            "SELECT n.id, n.title, f.body FROM notes n JOIN notes_fts f ON f.rowid = n.uid "
            "WHERE n.layer = 0 AND n.project = ? AND n.status = 'active' "
            "ORDER BY n.importance DESC, coalesce(n.updated, n.created) DESC LIMIT 5",
            (project,),
        ).fetchall()
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    return _render(rows, "### Working", budget, project)
