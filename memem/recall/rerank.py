"""The second stage of recall: the cross-encoder re-scores the first stage's best candidates.

The fused first stage (full text + vectors) is good at putting the right note among its top few
dozen and poor at ordering them; the cross-encoder orders them well but is far too slow to read a
vault. So the stage re-scores only the `depth` best candidates (30 for a search, fewer for the
slice before a prompt), each pair cut to the model's `MAX_PAIR_TOKENS` and read alone, and keeps the
logits in a cache keyed by the query and the note's content hash: a repeated prompt or a note that
did not change costs nothing. Candidates past the depth keep their first-stage order below.

Its probability ("is this note about the query") is also what the slice's relevance floor reads
(`memem.recall.inject`): unlike a raw cosine, it is calibrated across queries.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from memem.index.embeddings.cross_encoder import CrossEncoder, CrossEncoderChoice, load_cross_encoder, probability
from memem.index.store import IndexStore
from memem.recall.graph_step import Candidate
from memem.settings import settings

MIN_DEPTH = 3
"""Candidates re-scored whatever their length: the slice shows few, and these are the likeliest."""
CACHE_SIZE = 50_000
"""(query, note) logits kept, least recently used dropped first: a few MB."""
TIMED_MIN_TOKENS = 300
"""A run of fewer tokens says more about the model's fixed cost per run than about its speed."""
_SPEED_QUERY = "what do we run before pushing a change to the shop service?"
_SPEED_TEXT = (
    "Run the test suite with pytest -x -q before every push: it takes under a minute here, and CI runs "
    "the same command on each branch, so a failure found locally saves a round trip. (sample {})"
)


class Reranker:
    """The model and its score cache, shared by every request of one store."""

    def __init__(self, choice: CrossEncoderChoice) -> None:
        self.model: CrossEncoder | None = choice.model
        self.why_not = choice.why_not
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()
        self.scored = 0  # pairs the model read (cache misses), for status and benchmarks
        self._ms_per_token: float | None = None

    def ms_per_token(self) -> float:
        """What the model takes per token on this machine when it is not busy with anything else.

        Measured once (the fastest of three runs of a slice's worth of pairs), then only ever lowered
        by a faster run of a real query: a run slowed by indexing or another process never shrinks
        a budget for good, and the budget settles at the machine's own speed.
        """
        assert self.model is not None
        with self._lock:
            known = self._ms_per_token
        if known is not None:
            return known
        encodings = self.model.encode(_SPEED_QUERY, [_SPEED_TEXT.format(i) for i in range(8)])
        self.model.run(encodings[:1])  # the first run of a session allocates its buffers
        fastest = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            self.model.run(encodings)
            fastest = min(fastest, time.perf_counter() - start)
        self._observe(fastest, sum(len(e.ids) for e in encodings))
        with self._lock:
            assert self._ms_per_token is not None
            return self._ms_per_token

    def _observe(self, seconds: float, tokens: int) -> None:
        if tokens < TIMED_MIN_TOKENS:
            return
        rate = 1000.0 * seconds / tokens
        with self._lock:
            if self._ms_per_token is None or rate < self._ms_per_token:
                self._ms_per_token = rate

    def tokens_within(self, ms: float, least: int, most: int) -> int:
        """The tokens the model reads in `ms` here, in hundreds, from `least` to `most`."""
        return max(least, min(most, int(ms / self.ms_per_token()) // 100 * 100))

    def budget(self, tokens: int, within_ms: float) -> int:
        """The tokens a query may read: `tokens`, or with `within_ms` what the model reads in that time
        here, from `tokens` to twice that."""
        return self.tokens_within(within_ms, tokens, 2 * tokens) if within_ms > 0 else tokens

    def budgets(self) -> dict[str, Any] | None:
        """What a search and a slice read on this machine, for `memem status`; None until the speed is
        known (asking must not run the model)."""
        from memem.recall.inject import slice_query
        from memem.recall.query import Query

        with self._lock:
            known = self._ms_per_token
        if known is None or self.model is None:
            return None
        searched, sliced = Query(""), slice_query("", None)
        return {
            "ms_per_token": round(known, 4),
            "search_tokens": self.budget(searched.rerank_tokens, searched.rerank_ms),
            "slice_tokens": self.budget(sliced.rerank_tokens, sliced.rerank_ms),
        }

    def logits(self, query: str, pairs: Sequence[tuple[str, Any]]) -> list[float]:
        """One logit per (content hash, encoded pair), from the cache where the pair was scored before."""
        assert self.model is not None
        found: dict[int, float] = {}
        with self._lock:
            for i, (digest, _) in enumerate(pairs):
                value = self._cache.get((query, digest))
                if value is not None:
                    self._cache.move_to_end((query, digest))
                    found[i] = value
        missing = [i for i in range(len(pairs)) if i not in found]
        if missing:
            start = time.perf_counter()
            scores = self.model.run([pairs[i][1] for i in missing])
            self._observe(time.perf_counter() - start, sum(len(pairs[i][1].ids) for i in missing))
            with self._lock:
                self.scored += len(missing)
                for i, value in zip(missing, scores.tolist(), strict=True):
                    found[i] = value
                    self._cache[(query, pairs[i][0])] = value
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [found[i] for i in range(len(pairs))]


_loaded: weakref.WeakKeyDictionary[IndexStore, Reranker] = weakref.WeakKeyDictionary()
_loading = threading.Lock()


def loaded_reranker(store: IndexStore) -> Reranker | None:
    """The store's reranker if something has loaded it (a status query must not load a model)."""
    with _loading:
        return _loaded.get(store)


def reranker_for(store: IndexStore) -> Reranker:
    """The store's reranker, loaded on first use (a CLI command that never searches never pays for it)."""
    with _loading:
        reranker = _loaded.get(store)
        if reranker is None:
            reranker = _loaded[store] = Reranker(load_cross_encoder())
        return reranker


def rerank(
    store: IndexStore,
    query: str,
    found: dict[int, Candidate],
    factors: dict[int, float],
    signals: dict[int, dict[str, Any]],
    depth: int,
    text_of: Callable[[Sequence[int]], dict[int, tuple[str, str]]],
    tokens: int = 10**9,
    within_ms: float = 0.0,
) -> dict[int, Candidate]:
    """`found` with its best re-scored: probability × the note's importance and recency factor.

    As many of the first stage's best as fit in `depth` candidates and `tokens` tokens (at least
    MIN_DEPTH): the budget counts cached pairs too, so which notes are re-scored never depends on
    what an earlier query left in the cache. With `within_ms`, the budget is rather what the model
    reads in that time on this machine, from `tokens` to twice that: a fast CPU reads further for
    the same wait. The rest follow in their first-stage order, scaled below the last re-scored one.
    Nothing is dropped: the stage orders, the floor (in inject) decides what is shown.
    """
    if depth <= 0 or not found or settings().reranker == "off":
        return found
    reranker = reranker_for(store)
    model = reranker.model
    if model is None:
        return found
    tokens = reranker.budget(tokens, within_ms)
    ordered = sorted(found.values(), key=lambda c: (-c.score, c.uid))
    texts = text_of([c.uid for c in ordered[:depth]])
    head = [c for c in ordered[:depth] if c.uid in texts]
    encodings = model.encode(query, [texts[c.uid][1] for c in head])  # tokenised once: to budget, then to run
    spent, fit = 0, 0
    for encoding in encodings:
        if fit >= MIN_DEPTH and spent + len(encoding.ids) > tokens:
            break
        spent += len(encoding.ids)
        fit += 1
    read = {c.uid for c in head[:fit]}
    head, tail = head[:fit], [c for c in ordered if c.uid not in read]
    logits = reranker.logits(query, [(texts[c.uid][0], e) for c, e in zip(head, encodings, strict=False)])
    out: dict[int, Candidate] = {}
    rescored = sorted(
        ((probability(logit) * factors.get(c.uid, 1.0), c, logit) for c, logit in zip(head, logits, strict=True)),
        key=lambda item: (-item[0], item[1].uid),
    )
    for rank, (score, c, logit) in enumerate(rescored, 1):
        p = probability(logit)
        signals.setdefault(c.uid, {})["rerank"] = {"rank": rank, "p": round(p, 4)}
        out[c.uid] = Candidate(c.uid, score, [f"cross-encoder #{rank} ({p:.2f})", *c.reasons])
    lowest = min((score for score, _, _ in rescored), default=1.0)
    top_rest = tail[0].score if tail else 1.0
    for c in tail:
        # Below every re-scored candidate, in first-stage order.
        out[c.uid] = Candidate(c.uid, 0.5 * lowest * c.score / max(top_rest, 1e-9), list(c.reasons))
    return out
