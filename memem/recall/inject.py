"""What the UserPromptSubmit hook injects: only memories that clear a relevance floor, or nothing.

An earlier plugin measured its per-prompt injection at ~85% noise. Here a memory is injected only if
(1) the prompt is not trivial ("yes", "continue", a slash command) and (2) it clears an absolute
bar. With the cross-encoder installed the bar is its probability that the note is about the prompt,
at least RERANK_FLOOR: a calibrated signal, on the same scale for every prompt (low, because the
model was trained on web passages: a memory that answers a question in other words still scores
above it, an unrelated one far below). The model was trained on questions; a note it read is also
shown when its cosine to the prompt is at least COSINE_BACKSTOP, a bar that unrelated prompts almost
never reach. Without the model, the bar is a cosine similarity to the prompt of at least FLOOR, or,
for the one note that both the full-text and the vector retrievers rank first, at least
AGREEMENT_FLOOR; and a hit must score within RELATIVE of the best one, so a clear winner does not
drag weak runners-up along (cosine's scale moves with the prompt). At most MAX_ITEMS are shown.

Most prompts in Claude Code are not questions but tasks ("add a discount field to the order total")
and reports ("the worker pods keep restarting with exit code 137"). The note that matters for a task
is a convention or a lesson, which does not answer it, and the cross-encoder scores such pairs near
zero: on developer memories it hid notes that the cosine rule shows. So for a prompt that is not a
question (`is_question`) the note both retrievers rank first, if the cross-encoder read it, is shown
when it clears either bar: the model's, or the cosine rule's (the same FLOOR and AGREEMENT_FLOOR, no
new threshold). Any other note needs the model's bar (or COSINE_BACKSTOP), as for a question.

The slice re-scores fewer candidates than a search (SLICE_RERANK_DEPTH, SLICE_RERANK_MS): it
shows at most five, and it runs before every prompt. Floors chosen leave-one-conversation-out on
LoCoMo-dev and checked on the developer-memory fixture (`benchmarks/injection_bench.py`; its
figures are in the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.search import Hit, search
from memem.recall.slice import render
from memem.recall.text import is_question, is_trivial

FLOOR = 0.45
AGREEMENT_FLOOR = 0.35
RERANK_FLOOR = 0.05
COSINE_BACKSTOP = 0.5
RELATIVE = 0.5
MAX_ITEMS = 5
SLICE_RERANK_DEPTH = 16
SLICE_RERANK_TOKENS = 600
SLICE_RERANK_MS = 50.0
"""The slice runs before every prompt, so its cross-encoder reads for about half the hook's 100 ms goal:
at most 16 candidates, and as many tokens as the model reads in 50 ms on this machine, at least 600
(what a slow CPU reads in about that time) and at most 1,200 (LoCoMo-dev, every fold: more read, more
gold in the slice, no less silence; the cost: the README's Performance section)."""


@dataclass(frozen=True)
class Selection:
    hits: list[Hit]
    reason: str  # why these (or why nothing), for logs and measurement


def _clears_floor(hit: Hit, floor: float, rerank_floor: float, reranked: bool, question: bool) -> bool:
    vector, fulltext = hit.signals.get("vector", {}), hit.signals.get("fulltext", {})
    cosine = vector.get("cosine", 0.0)
    agreed = vector.get("rank") == 1 and fulltext.get("rank") == 1
    cosine_rule = bool(cosine >= floor or (agreed and cosine >= AGREEMENT_FLOOR))
    if reranked:  # the cross-encoder judged the leading candidates: a hit it did not read is not shown
        read = hit.signals.get("rerank")
        if read is None:
            return False
        # For a task, the cosine rule may add only the note both retrievers rank first: on a third
        # developer set it otherwise showed 8 wrong notes for 3 right ones (README, Performance).
        return bool(read["p"] >= rerank_floor or cosine >= COSINE_BACKSTOP or (not question and agreed and cosine_rule))
    return cosine_rule


def select(
    hits: Sequence[Hit],
    floor: float = FLOOR,
    relative: float = RELATIVE,
    limit: int = MAX_ITEMS,
    rerank_floor: float = RERANK_FLOOR,
    question: bool = True,
) -> Selection:
    """The hits worth injecting (pinned notes excluded: SessionStart injects those once). `question`:
    whether the prompt is one (`is_question`); for a task the cosine rule may show what the
    cross-encoder scored low."""
    ranked = [h for h in hits if not h.pinned]
    if not ranked:
        return Selection([], "no memories matched")
    top = ranked[0].score
    reranked = any("rerank" in h.signals for h in ranked)
    # The cross-encoder's probability is on one scale for every prompt: the floor alone decides. The
    # relative cut stays for the cosine floor, whose scale moves with the prompt.
    cut = 0.0 if reranked else relative * top
    chosen = [h for h in ranked if h.score >= cut and _clears_floor(h, floor, rerank_floor, reranked, question)][:limit]
    if not chosen:
        if reranked:
            best = max(h.signals.get("rerank", {}).get("p", 0.0) for h in ranked)
            return Selection([], f"nothing clears the relevance floor (best cross-encoder {best:.2f} < {rerank_floor})")
        best = max((h.signals.get("vector", {}).get("cosine", 0.0) for h in ranked), default=0.0)
        return Selection([], f"nothing clears the relevance floor (best cosine {best:.2f} < {floor})")
    return Selection(chosen, f"{len(chosen)} above the floor")


def slice_query(prompt: str, project: str | None) -> Query:
    """The search the slice runs for a prompt: its start, no archive, the slice's rerank depth. Late
    interaction runs as in a search: it puts better candidates in the few the cross-encoder reads
    here (with BLAS on one thread, `memem.cli.blas`, it no longer slows the cross-encoder after it)."""
    return Query(
        prompt[:PROMPT_CHARS], project=project, limit=10, include_archive=False,
        rerank=SLICE_RERANK_DEPTH, rerank_tokens=SLICE_RERANK_TOKENS, rerank_ms=SLICE_RERANK_MS,
    )  # fmt: skip


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
    hits = search(store, slice_query(prompt, project))
    chosen = select(hits, question=is_question(prompt))
    rendered = render(chosen.hits, budget, project)
    reason = chosen.reason
    if chosen.hits and not rendered.shown:  # above the floor, and none fits the token budget
        reason = f"{reason}, none of them within the budget of {budget} tokens"
    return Injection(rendered.markdown, rendered.shown, reason)
