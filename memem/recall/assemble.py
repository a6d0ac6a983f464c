"""A task's memories for `context_assemble`: the project's own first, global ones when it has few.

A project's search already admits global notes beside its own; here the two are told apart, so a
project with enough memories of its own is not crowded by general ones, and a young project still gets
the person's general conventions.
"""

from __future__ import annotations

from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.search import Hit, search

SPARSE = 3
"""Fewer relevant memories of its own than this, and a project's briefing takes in global ones."""
LIMIT = 10


def assemble(store: IndexStore, text: str, project: str | None, limit: int = LIMIT) -> list[Hit]:
    hits = search(store, Query(text, project=project, limit=limit * 2, include_archive=False))
    if not project:
        return hits[:limit]
    pinned = [h for h in hits if h.pinned]
    own = [h for h in hits if not h.pinned and h.row.project == project]
    general = [h for h in hits if not h.pinned and h.row.project != project]
    chosen = own if len(own) >= SPARSE else own + general
    return pinned + chosen[:limit]
