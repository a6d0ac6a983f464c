"""What the UserPromptSubmit hook injects: only memories that clear a relevance floor, or nothing.

An earlier plugin measured its per-prompt injection at ~85% noise. Here a memory is injected only if
(1) the prompt is not trivial ("yes", "continue", a slash command), (2) its fused score is within
RELATIVE of the best hit, so a clear winner does not drag weak runners-up along, and (3) it clears an
absolute bar: cosine similarity to the prompt of at least FLOOR, or, for the one note that both the
full-text and the vector retrievers rank first, at least AGREEMENT_FLOOR (two independent signals
agreeing is evidence a lower cosine alone is not). At most MAX_ITEMS are shown.

Chosen on LoCoMo-dev and checked on the developer-memory fixture (`benchmarks/injection_bench.py`;
its figures are in the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.search import Hit, search
from memem.recall.slice import render
from memem.recall.text import is_trivial

FLOOR = 0.45
AGREEMENT_FLOOR = 0.35
RELATIVE = 0.5
MAX_ITEMS = 5


@dataclass(frozen=True)
class Selection:
    hits: list[Hit]
    reason: str  # why these (or why nothing), for logs and measurement


def _clears_floor(hit: Hit, floor: float) -> bool:
    vector, fulltext = hit.signals.get("vector", {}), hit.signals.get("fulltext", {})
    cosine = vector.get("cosine", 0.0)
    agreed = vector.get("rank") == 1 and fulltext.get("rank") == 1
    return bool(cosine >= floor or (agreed and cosine >= AGREEMENT_FLOOR))


def select(hits: Sequence[Hit], floor: float = FLOOR, relative: float = RELATIVE, limit: int = MAX_ITEMS) -> Selection:
    """The hits worth injecting (pinned notes excluded: SessionStart injects those once)."""
    ranked = [h for h in hits if not h.pinned]
    if not ranked:
        return Selection([], "no memories matched")
    top = ranked[0].score
    chosen = [h for h in ranked if h.score >= relative * top and _clears_floor(h, floor)][:limit]
    if not chosen:
        best = max((h.signals.get("vector", {}).get("cosine", 0.0) for h in ranked), default=0.0)
        return Selection([], f"nothing clears the relevance floor (best cosine {best:.2f} < {floor})")
    return Selection(chosen, f"{len(chosen)} above the floor")


PROMPT_CHARS = 2000
"""How much of a prompt recall reads: a pasted log or file says less about what matters than its start."""


@dataclass(frozen=True)
class Injection:
    markdown: str  # empty: inject nothing
    shown: tuple[str, ...]
    reason: str


def inject(store: IndexStore, prompt: str, project: str | None, budget: int) -> Injection:
    """The one inject pipeline (search, select, render): what the UserPromptSubmit hook adds to a prompt."""
    if is_trivial(prompt):
        return Injection("", (), "trivial prompt")
    hits = search(store, Query(prompt[:PROMPT_CHARS], project=project, limit=10, include_archive=False))
    chosen = select(hits)
    rendered = render(chosen.hits, budget, project)
    return Injection(rendered.markdown, rendered.shown, chosen.reason)
