"""What a search asks for."""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("hybrid", "fulltext", "vector")


@dataclass(frozen=True)
class Query:
    text: str
    project: str | None = None
    limit: int = 10
    include_deprecated: bool = False
    include_archive: bool = True  # layer 3: only on an explicit search, not in injected context
    mode: str = "hybrid"
    graph: bool = True  # the graph step (neighbours, supersedes, contradictions)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
