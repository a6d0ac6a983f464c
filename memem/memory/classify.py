"""Choosing `kind` and `layer` for a memory saved without them.

Deliberately conservative: a wrong kind costs little, a wrong layer a lot. Layer 0 is pinned into
every prompt of its project, so it is never chosen here (an earlier plugin's heuristic put 462
memories into its always-relevant layer); only the person or an explicit argument sets it.
"""

from __future__ import annotations

import re

_KIND_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("bugfix", re.compile(r"(?i)\b(?:fix(?:ed|es)?|bug|root cause|caused by|regression|workaround|traceback|stack trace)\b")),
    ("failure", re.compile(r"(?i)\b(?:fails?|failed|failing|breaks?|broke|crash(?:es|ed)?|does ?n[o']t work|pitfall|gotcha)\b")),
    ("decision", re.compile(r"(?i)\b(?:decided|decision|we chose|chose to|switched to|going with|adopt(?:ed)?|instead of)\b")),
    ("preference", re.compile(r"(?i)\b(?:prefers?|preferred|likes?|dislikes?|wants?|rather than)\b")),
    ("convention", re.compile(r"(?i)\b(?:always|never|must|should|convention|naming|style|rule|make sure)\b")),
    ("procedure", re.compile(r"(?i)\b(?:steps?|to do this|first,|then run|how to)\b")),
]  # fmt: skip


def classify_kind(text: str) -> str:
    """The first kind whose cue words appear (ordered from most to least specific), else `fact`."""
    for kind, cue in _KIND_CUES:
        if cue.search(text):
            return kind
    return "fact"


def classify_layer(kind: str, project: str | None) -> int:
    """1 for general conventions and preferences that hold everywhere, else 2. Never 0 (pinned)."""
    if project is None and kind in ("convention", "preference"):
        return 1
    return 2
