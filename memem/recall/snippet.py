"""One line of a note that shows why it matched."""

from __future__ import annotations

import re

from memem.recall.text import content_words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A list mark's indent is read within its line: `^\s*` read on from every line of a run of blank lines
# to the run's end (100 KB of them cost a minute). `snippet` reads one line at a time anyway.
_MARKUP = re.compile(r"(\*\*|__|`|^#+\s*|^[^\S\n]*[-*+]\s+|\[\[|\]\])", re.M)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
"""Hidden text is never a note's line: removed before the note is cut into sentences (a comment cut in
two would no longer look like one to `neutralise`)."""


def snippet(body: str, query: str, width: int = 160) -> str:
    """The body's sentence sharing most words with the query (else its first), trimmed to `width`."""
    wanted = set(content_words(query))
    best, best_score = "", -1
    for piece in _SENTENCE.split(_COMMENT.sub(" ", body)):
        text = _MARKUP.sub("", piece).strip()
        if not text:
            continue
        score = len(wanted & set(content_words(text)))
        if score > best_score:
            best, best_score = text, score
    best = " ".join(best.split())
    return best if len(best) <= width else best[: width - 1].rsplit(" ", 1)[0] + "…"
