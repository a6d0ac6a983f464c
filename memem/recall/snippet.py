"""One line of a note that shows why it matched."""

from __future__ import annotations

import re

from memem.recall.text import content_words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKUP = re.compile(r"(\*\*|__|`|^#+\s*|^\s*[-*+]\s+|\[\[|\]\])", re.M)
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
