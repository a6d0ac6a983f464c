"""The offline extractor: what can be mined without a model, conservatively.

It keeps two kinds of sentence and nothing else: what the person states as a rule or preference
("always …", "never …", "we decided …", "I prefer …"), and causes and fixes the assistant states
("the root cause was …", "fixed by …"). It finds fewer lessons than a model and phrases them as
they were said; every note it writes is marked `miner: offline` so a person can tell.
"""

from __future__ import annotations

import re
from typing import cast

from memem.memory.classify import classify_kind
from memem.mining.lessons import Kind, Lesson
from memem.recall.text import content_words

MAX_LESSONS = 5
KINDS = ("decision", "convention", "bugfix", "preference", "failure", "fact")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_PERSON_CUES = re.compile(
    r"(?i)\b(?:always|never|don't ever|do not ever|from now on|going forward|we decided|we've decided|let's use|"
    r"i prefer|i'd rather|i like to|i want you to always|please always|please never|make sure to|our convention|"
    r"the convention is|we use|we don't use|instead of)\b"
)
_CAUSE_CUES = re.compile(
    r"(?i)\b(?:root cause|the (?:real )?(?:issue|problem|bug) (?:was|is)|was caused by|is caused by|caused by|"
    r"the fix (?:was|is)|fixed (?:it )?by|the culprit)\b"
)
_NOISE = re.compile(r"```|^\s*[$>#]|https?://\S{60,}")


def _sentences(text: str) -> list[str]:
    return [s.strip(" -*>") for s in _SENTENCE.split(text) if s.strip()]


def _lesson(sentence: str, kind_hint: Kind | None) -> Lesson | None:
    words = sentence.split()
    if not 5 <= len(words) <= 60 or sentence.endswith("?") or _NOISE.search(sentence):
        return None
    guessed = classify_kind(sentence)
    kind: Kind = kind_hint or (cast(Kind, guessed) if guessed in KINDS else "fact")
    title = " ".join(words[:10]).rstrip(".,;:") + ("…" if len(words) > 10 else "")
    tags = list(dict.fromkeys(w for w in content_words(sentence) if len(w) > 3))[:3]
    return Lesson(
        title=title, content=sentence, kind=kind, scope="project", tags=tags, importance=3, evidence=sentence[:120]
    )


class OfflineExtractor:
    name = "offline"

    def extract(self, conversation: str, project: str | None) -> list[Lesson]:
        found: list[Lesson] = []
        seen: set[str] = set()
        for block in conversation.split("\n\n### "):
            role, _, text = block.partition(":\n")
            role = role.strip("# ").lower()
            for sentence in _sentences(text):
                if role == "person" and _PERSON_CUES.search(sentence):
                    lesson = _lesson(sentence, None)
                elif role == "assistant" and _CAUSE_CUES.search(sentence):
                    lesson = _lesson(sentence, "bugfix")
                else:
                    continue
                if lesson is not None and lesson.content.lower() not in seen:
                    seen.add(lesson.content.lower())
                    found.append(lesson)
        return found[:MAX_LESSONS]
