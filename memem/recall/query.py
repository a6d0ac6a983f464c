"""What a search asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memem.errors import BadRequest
from memem.index.scope import Scope

MODES = ("hybrid", "fulltext", "vector")
RERANK_DEPTH = 30
"""At most this many candidates are re-scored by the cross-encoder (`memem.recall.rerank`). LoCoMo-dev,
in every fold: 20 → 30 adds a little recall@10; past 30 the first stage's own recall flattens."""
RERANK_TOKENS = 1200
RERANK_MS = 85.0
"""...and no more (query + note) tokens than the model reads in RERANK_MS on this machine, at least
RERANK_TOKENS and at most twice that, whatever the notes' length: the model's time is linear in
tokens, so this bounds a search's second stage (its cost: the README's Performance section). At
1,200 tokens LoCoMo turns fit about 16 candidates; fewer gave up recall@10 in every LoCoMo-dev fold,
more gained in every fold, and a fast CPU reads more in the same time."""


@dataclass(frozen=True)
class Query:
    text: str
    project: str | None = None
    limit: int = 10
    include_deprecated: bool = False
    include_archive: bool = True  # layer 3: only on an explicit search, not in injected context
    mode: str = "hybrid"
    graph: bool = True  # the graph step (neighbours, supersedes, contradictions)
    rerank: int = RERANK_DEPTH  # candidates the cross-encoder may re-score; 0: the first stage's order
    rerank_tokens: int = RERANK_TOKENS  # and the tokens it may read for them
    rerank_ms: float = RERANK_MS  # > 0: as many tokens as the model reads in this time here, up to 2 × rerank_tokens
    late: bool = True  # the late-interaction stage (`memem.recall.late`), where the embedder and settings allow it
    hidden: tuple[str, ...] = ()  # team vaults that do not serve the project (`search` fills it in)

    @property
    def scope(self) -> Scope:
        return Scope(self.project, self.include_deprecated, self.include_archive, hidden=self.hidden)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")


def parse_query(data: dict[str, Any]) -> Query:
    """A search request's JSON, checked field by field so the error says which one is wrong."""
    text = data.get("query")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("`query` must be a non-empty string")
    if len(text) > 10_000:
        raise BadRequest("`query` is longer than 10,000 characters")
    limit = data.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200:
        raise BadRequest("`limit` must be an integer from 1 to 200")
    project = data.get("project")
    if project is not None and not isinstance(project, str):
        raise BadRequest("`project` must be a string")
    mode = data.get("mode", "hybrid")
    if mode not in MODES:
        raise BadRequest(f"`mode` must be one of {', '.join(MODES)}")
    flags: dict[str, bool] = {}
    defaults = (
        ("include_deprecated", False),
        ("include_archive", True),
        ("graph", True),
        ("rerank", True),
        ("late", True),
    )
    for name, default in defaults:
        value = data.get(name, default)
        if not isinstance(value, bool):
            raise BadRequest(f"`{name}` must be true or false")
        flags[name] = value
    rerank = RERANK_DEPTH if flags.pop("rerank") else 0
    return Query(
        text=text, project=project or None, limit=limit, mode=mode, rerank=rerank,
        include_deprecated=flags["include_deprecated"], include_archive=flags["include_archive"], graph=flags["graph"],
        late=flags["late"],
    )  # fmt: skip
