"""Hybrid search: full-text and vector candidates fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from memem.index.catalog import BODY_WEIGHT, TAGS_WEIGHT, TITLE_WEIGHT, Row
from memem.index.store import IndexStore
from memem.index.vectors import GLOBAL

RRF_K = 60
CANDIDATES = 50
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Query:
    text: str
    project: str | None = None
    limit: int = 10
    include_deprecated: bool = False


@dataclass(frozen=True)
class Hit:
    row: Row
    score: float
    reasons: tuple[str, ...] = ()
    signals: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r.id, "title": r.title, "path": r.path, "score": round(self.score, 6), "project": r.project,
            "layer": r.layer, "kind": r.kind, "status": r.status, "tags": list(r.tags), "why": list(self.reasons),
        }  # fmt: skip


def fts_expression(text: str) -> str | None:
    """An FTS5 MATCH expression: every word of the query, ORed, each quoted (no syntax injection)."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 or w.isdigit()]
    if not words:
        return None
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


def _filters(q: Query) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if q.project:
        clauses.append("(n.project = ? OR n.project IS NULL)")
        params.append(q.project)
    if not q.include_deprecated:
        clauses.append("n.status = 'active'")
    return (" AND ".join(clauses) or "1"), params


def fulltext_candidates(store: IndexStore, q: Query, k: int = CANDIDATES) -> list[tuple[int, float]]:
    expression = fts_expression(q.text)
    if expression is None:
        return []
    where, params = _filters(q)
    sql = (
        f"SELECT n.uid, bm25(notes_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, {TAGS_WEIGHT}) AS rank "
        f"FROM notes_fts JOIN notes n ON n.uid = notes_fts.rowid "
        f"WHERE notes_fts MATCH ? AND {where} ORDER BY rank LIMIT ?"
    )
    return [(uid, -rank) for uid, rank in store.catalog.conn.execute(sql, [expression, *params, k])]


def vector_candidates(store: IndexStore, q: Query, k: int = CANDIDATES) -> list[tuple[int, float]]:
    clauses: list[dict[str, Any]] = []
    if q.project:
        clauses.append({"project": {"$in": [q.project, GLOBAL]}})
    if not q.include_deprecated:
        clauses.append({"status": "active"})
    where = clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else None)
    vector = store.embedder.embed([q.text])[0]
    return [(h.uid, h.similarity) for h in store.vectors.query(vector, k, where)]


def search(store: IndexStore, q: Query) -> list[Hit]:
    if not q.text.strip():
        return []
    lists = {"fulltext": fulltext_candidates(store, q), "vector": vector_candidates(store, q)}
    fused: dict[int, float] = {}
    signals: dict[int, dict[str, Any]] = {}
    for name, ranked in lists.items():
        for rank, (uid, raw) in enumerate(ranked):
            fused[uid] = fused.get(uid, 0.0) + 1.0 / (RRF_K + rank + 1)
            signals.setdefault(uid, {})[name] = {"rank": rank + 1, "score": round(float(raw), 4)}
    best = sorted(fused, key=lambda u: -fused[u])[: q.limit]
    rows = store.catalog.by_uid(best)
    hits = []
    for uid in best:
        if uid not in rows:
            continue
        reasons = tuple(f"{name} #{s['rank']}" for name, s in signals[uid].items())
        hits.append(Hit(rows[uid], fused[uid], reasons, signals[uid]))
    return hits
