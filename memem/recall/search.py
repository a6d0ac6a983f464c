"""Hybrid recall: full-text and vector candidates, fused, re-scored by late interaction
(`memem.recall.late`) and then by the cross-encoder, then the graph step, boosts and pins.

Every hit says why it is there: which lists found it and at what rank, which edge brought it in,
which note it replaces, which note contradicts it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from memem.index.catalog import Row
from memem.index.ledger import Record
from memem.index.store import IndexStore
from memem.recall import candidates, late
from memem.recall.fusion import fuse, normalise
from memem.recall.graph_step import Candidate, add_neighbours, apply_supersedes, flag_tensions
from memem.recall.query import Query
from memem.recall.snippet import snippet
from memem.settings import settings
from memem.vault.teams import hidden_prefixes

IMPORTANCE_STEP = 0.04
"""Each importance point above or below 3 moves the score by 4% (so 1..5 spans ±8%)."""
RECENCY_BOOST = 0.05
RECENCY_HALF_LIFE_DAYS = 90.0
"""Up to +5% for a note touched today, halving every 90 days: a tie-breaker, never a reason to show."""


@dataclass(frozen=True)
class Hit:
    row: Row
    score: float
    reasons: tuple[str, ...] = ()
    signals: dict[str, Any] = field(default_factory=dict)
    pinned: bool = False
    tensions: tuple[tuple[str, str], ...] = ()  # (id, title) of active notes that contradict this one
    replaces: tuple[str, ...] = ()  # ids of older notes this one supersedes in the results
    snippet: str = ""

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def title(self) -> str:
        return self.row.title

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def team(self) -> str | None:
        return self.row.team

    def as_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r.id, "title": r.title, "path": r.path, "score": round(self.score, 6), "project": r.project,
            "team": r.team,
            "layer": r.layer, "kind": r.kind, "status": r.status, "importance": r.importance, "tags": list(r.tags),
            "created": r.created, "updated": r.updated, "reviewed": r.reviewed, "snippet": self.snippet,
            "pinned": self.pinned, "why": list(self.reasons), "signals": self.signals,
            "tensions": [{"id": i, "title": t} for i, t in self.tensions], "replaces": list(self.replaces),
        }  # fmt: skip


def _boost(row: Row, today: dt.date, record: Record | None = None) -> tuple[float, list[str]]:
    factor, reasons = 1.0, []
    if record is not None and record.prior != 1.0:  # the usefulness ledger: a nudge of at most ±10%
        factor *= record.prior
        reasons.append(f"used {record.used}, contradicted {record.contradicted} of {record.shown} showings")
    if row.importance != 3:
        factor *= 1.0 + IMPORTANCE_STEP * (row.importance - 3)
        reasons.append(f"importance {row.importance}")
    stamp = row.updated or row.created
    if stamp:
        try:
            age = (today - dt.date.fromisoformat(stamp[:10])).days
        except ValueError:
            age = None
        if age is not None and age >= 0:
            factor *= 1.0 + RECENCY_BOOST * math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS)
    return factor, reasons


def _reason(signal: str, rank: int) -> str:
    return f"late interaction #{rank}" if signal == "late" else f"{signal} #{rank}"


def late_enabled(store: IndexStore, q: Query) -> bool:
    """Whether this search runs the late-interaction stage: a hybrid search that did not turn it off,
    under `MEMEM_LATE=on`, with an embedder that gives token states."""
    return q.mode == "hybrid" and q.late and settings().late == "on" and store.token_states is not None


def _allowed(row: Row | None, q: Query) -> bool:
    return row is not None and q.scope.admits(row.project, row.status, row.layer, row.path, row.withheld)


def _pinned(store: IndexStore, project: str | None, hidden: tuple[str, ...]) -> list[Row]:
    """Layer-0 notes of the project (none of a team vault hidden from it): always shown, most important
    and newest first, capped."""
    return store.catalog.pinned(project, hidden) if project else []


def pinned_hits(store: IndexStore, project: str | None) -> list[Hit]:
    """The project's pinned notes as hits, for priming a session."""
    rows = _pinned(store, project, hidden_prefixes(store.paths.vault, project))
    bodies = store.catalog.bodies([r.uid for r in rows])
    return [
        Hit(r, 1.0, ("pinned: layer 0 of this project",), {}, True, snippet=snippet(bodies.get(r.uid, ""), r.title))
        for r in rows
    ]


def search(store: IndexStore, q: Query, today: dt.date | None = None) -> list[Hit]:
    """Pinned notes first (if any), then up to `q.limit` ranked hits."""
    today = today or dt.date.today()
    hidden = q.hidden or hidden_prefixes(store.paths.vault, q.project)  # read once, for every step below
    if hidden != q.hidden:
        q = replace(q, hidden=hidden)
    text_hits = candidates.fulltext(store, q) if q.mode in ("hybrid", "fulltext") and q.text.strip() else []
    query_states = None  # the question's token states, for the late-interaction stage when it runs
    vector_hits: list[tuple[int, float]] = []
    if q.mode in ("hybrid", "vector") and q.text.strip():
        if late_enabled(store, q):
            qvec, query_states = candidates.query_vector_and_tokens(store, q.text)
            vector_hits = candidates.vector(store, q, qvec=qvec)
        else:
            vector_hits = candidates.vector(store, q)
    fused = fuse(text_hits, vector_hits) if q.mode == "hybrid" else normalise(text_hits or vector_hits)
    signals: dict[int, dict[str, Any]] = {}
    for name, listed, label in (("fulltext", text_hits, "bm25"), ("vector", vector_hits, "cosine")):
        for rank, (uid, raw) in enumerate(listed, 1):
            signals.setdefault(uid, {})[name] = {"rank": rank, label: round(float(raw), 4)}

    pinned_rows = _pinned(store, q.project, hidden)
    pinned_ids = {r.uid for r in pinned_rows}
    rows: dict[int, Row] = store.catalog.by_uid(fused)
    if query_states is not None:
        # Before the boosts and the cross-encoder: it then reads the candidates this stage put first.
        fused = late.rescore(store, query_states, fused, rows, signals)
    records = store.ledger.records(r.id for r in rows.values())  # how each was used when shown before
    found: dict[int, Candidate] = {}
    factors: dict[int, float] = {}
    for uid, score in fused.items():
        row = rows.get(uid)
        if row is None or uid in pinned_ids or row.withheld:
            continue
        factors[uid], boost_reasons = _boost(row, today, records.get(row.id))
        reasons = [_reason(name, s["rank"]) for name, s in signals.get(uid, {}).items()] + boost_reasons
        found[uid] = Candidate(uid, score * factors[uid], reasons)

    bodies: dict[int, str] = {}  # read once: the cross-encoder's pairs, then the snippets
    if q.rerank and found:
        from memem.recall.rerank import rerank

        def texts(uids: Sequence[int]) -> dict[int, tuple[str, str]]:
            bodies.update(store.catalog.bodies(list(uids)))
            return {u: (rows[u].content_hash, f"{rows[u].title}\n{bodies.get(u, '')}") for u in uids if u in rows}

        # Before the graph step: neighbours and successors are judged from the re-scored order.
        found = rerank(store, q.text, found, factors, signals, q.rerank, texts, q.rerank_tokens, q.rerank_ms)

    def row_of(uid: int) -> Row | None:
        if uid not in rows:
            rows.update(store.catalog.by_uid([uid]))
        return rows.get(uid)

    def allowed(uid: int) -> bool:
        return uid not in pinned_ids and _allowed(row_of(uid), q)

    def title(uid: int) -> str:
        row = row_of(uid)
        return row.title if row else str(uid)

    def active(uid: int) -> bool:  # a tension names the other note: only one this scope may see
        row = row_of(uid)
        return (
            row is not None and row.status == "active" and not row.withheld
            and not (q.hidden and row.path.startswith(q.hidden))
        )  # fmt: skip

    if q.graph:
        with store.lock:
            # Neighbours first, from the text-and-meaning ranking; then successors replace what they supersede.
            ranked = dict(sorted(found.items(), key=lambda item: -item[1].score)[: q.limit * 3])
            add_neighbours(store.graph, ranked, allowed, title)
            if not q.include_deprecated:
                apply_supersedes(store.graph, ranked, allowed, title)
            flag_tensions(store.graph, ranked, active)
            found = ranked

    ordered = sorted(found.values(), key=lambda c: (-c.score, c.uid))[: q.limit]
    bodies.update(store.catalog.bodies([u for u in (*pinned_ids, *(c.uid for c in ordered)) if u not in bodies]))
    hits = [
        Hit(row, 1.0, ("pinned: layer 0 of this project",), {}, True, snippet=snippet(bodies.get(row.uid, ""), q.text))
        for row in pinned_rows
    ]
    for c in ordered:
        row = row_of(c.uid)
        if row is None:
            continue
        tensions = tuple((r.id, r.title) for t in c.tensions if (r := row_of(t)) is not None)
        replaces = tuple(r.id for u in c.replaced if (r := row_of(u)) is not None)
        why = tuple(c.reasons) + tuple(f"contradicts “{t}” — flagged for review" for _, t in tensions)
        hits.append(
            Hit(
                row,
                c.score,
                why,
                signals.get(c.uid, {}),
                False,
                tensions,
                replaces,
                snippet(bodies.get(c.uid, ""), q.text),
            )
        )
    return hits
