"""What a hook can still recall in a few milliseconds while the daemon is starting: the SQLite catalog.

Read-only, no lock, no model: full-text matches only, under a stricter bar than the daemon's (most of
the prompt's words must appear in the note), because without vectors there is no similarity to check.
Rendered by the slice's one renderer, so it reads like what the daemon injects.
"""

from __future__ import annotations

import sqlite3

from memem.config import Paths
from memem.index.quick import keyword_rows, open_readonly, pinned_rows
from memem.index.scope import Scope
from memem.recall.slice import briefing, render
from memem.recall.snippet import snippet
from memem.recall.text import content_words, fts_expression
from memem.vault.playbooks import read_playbook
from memem.vault.teams import hidden_prefixes, team_of

MIN_COVERAGE = 0.6
MAX_ITEMS = 3


class _Found:
    """A catalog row as the slice shows it (what a search `Hit` would be, without the search)."""

    __slots__ = ("id", "kind", "pinned", "snippet", "team", "tensions", "title")

    def __init__(self, note_id: str, title: str, body: str, query: str, pinned: bool, path: str = "") -> None:
        self.id, self.title, self.kind, self.pinned = note_id, title, "", pinned
        self.team = team_of(path)
        self.snippet = snippet(body, query)
        self.tensions: tuple[tuple[str, str], ...] = ()


def keyword_slice(paths: Paths, prompt: str, project: str | None, budget: int) -> str:
    expression = fts_expression(prompt)
    wanted = set(content_words(prompt))
    conn = open_readonly(paths.catalog_db)
    if expression is None or conn is None or len(wanted) < 2:
        return ""
    try:
        # The slice's scope: this project and global notes, active, no archive (as the daemon's inject).
        scope = Scope(project, include_archive=False, global_only=True, hidden=hidden_prefixes(paths.vault, project))
        rows = keyword_rows(conn, expression, scope, 10)
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    chosen = []
    for note_id, title, body, path in rows:
        present = set(content_words(f"{title} {body}"))
        # Prefix match stands in for stemming: "installs" ~ "install", "caching" ~ "cache".
        hits = sum(1 for w in wanted if w in present or any(p.startswith(w[:5]) for p in present if len(w) > 5))
        if hits / len(wanted) >= MIN_COVERAGE and hits >= 2:
            chosen.append(_Found(note_id, title, body, prompt, pinned=False, path=path))
    heading = "### Relevant (keyword match; full recall is starting)"
    return render(chosen[:MAX_ITEMS], budget, project, relevant=heading).markdown


def pinned_slice(paths: Paths, project: str | None, budget: int) -> str:
    """The session's briefing from the vault and the catalog alone: the playbook, then pinned notes."""
    if not project:
        return ""
    playbook = read_playbook(paths.vault, project)
    conn = open_readonly(paths.catalog_db)
    rows: list[tuple[str, str, str]] = []
    if conn is not None:
        try:
            rows = pinned_rows(conn, project, hidden=hidden_prefixes(paths.vault, project))
        except sqlite3.Error:
            rows = []
        finally:
            conn.close()
    return briefing(playbook, project, [_Found(i, t, b, t, pinned=True) for i, t, b in rows], budget)
