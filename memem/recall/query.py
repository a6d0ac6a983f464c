"""What a search asks for, and how its text is read."""

from __future__ import annotations

import re
from dataclasses import dataclass

MODES = ("hybrid", "fulltext", "vector")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Function words: they match nearly every note, so they only add noise to BM25 and to the embedding.
STOPWORDS = frozenset(
    " ".join([
        "a an the and or but if of to in on at by for with about as is are was were be been being",
        "do does did what when where who whom whose which why how that this these those it its i you he",
        "she they we me him her them my your his their our from into than then there here have has had not",
        "no can could would should will shall may might must just so very also any some more most such only",
        "own same too s t",
    ]).split()
)  # fmt: skip


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


def words(text: str) -> list[str]:
    """Lower-cased words of a text, in order."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """The words that carry meaning: no function words, no single letters (digits stay)."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def stripped(text: str) -> str:
    """The text without function words, keeping the original spelling: `When did X go?` -> `X go`."""
    return " ".join(w for w in _WORD.findall(text) if w.lower() not in STOPWORDS)


def fts_expression(text: str) -> str | None:
    """An FTS5 MATCH expression: each distinct content word, quoted (so no query syntax gets through), ORed."""
    terms = list(dict.fromkeys(content_words(text))) or list(dict.fromkeys(words(text)))
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
