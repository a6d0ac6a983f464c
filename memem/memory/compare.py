"""Whether two texts alike in words say the same thing: for a save's duplicate check and for
consolidation's exact and near duplicates.

Notes alike in words can still disagree, and a duplicate check that only reads the embedding's cosine
takes one for the other: "Always run the migrations before deploying" and "Never run …" are 0.95
apart, "increase the worker pool" and "decrease …" 0.98. What two notes must share to say the same
thing: their numbers (ports, versions, counts), whether they negate, and every word of substance
(one word swapped for another, "tabs" for "spaces", "staging" for "production", "before" for
"after", is another statement, not the same one in other words).
"""

from __future__ import annotations

import difflib
import re

from memem.recall.text import STOPWORDS

_SENTENCE_PUNCT = re.compile(r"[.,;:!?]+(?=\s|$)")
_WORD = re.compile(r"[a-z0-9']+")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "twice": "2", "thrice": "3",
}  # fmt: skip
_NEGATIONS = frozenset({
    "not", "no", "never", "cannot", "without", "avoid", "disable", "disabled", "neither", "nor", "none",
    "nothing", "instead", "rather", "stop", "dont", "doesnt", "isnt", "arent", "wont", "cant", "shouldnt",
    "mustnt", "unlike", "except",
})  # fmt: skip
_OPPOSED = frozenset(
    "before after above below up down on off in out more less over under first last min max into from".split()
)
"""Short words the stop list drops that still carry a statement's meaning when swapped."""


_PROSE_WORD = re.compile(r"[A-Za-z][a-z]*")


def normalised(text: str) -> str:
    """The text as two exact copies share it: spacing, sentence punctuation and the case of prose words
    ("Cache", "cache") set aside, every other character kept. A name's case is its meaning, so code
    (in backticks, or a token with `=`, `_`, digits, capitals inside) keeps it: `PGHOST=db` and
    `pghost=DB`, `RETRY=-1` and `RETRY=1`, `!=` and `==` stay different."""
    words: list[str] = []
    in_code = False
    for token in _SENTENCE_PUNCT.sub("", text).split():
        words.append(token.lower() if not in_code and _PROSE_WORD.fullmatch(token) else token)
        in_code ^= token.count("`") % 2 == 1
    return " ".join(words)


def casefolded(text: str) -> str:
    """The text with case, spacing and sentence punctuation set aside: the key a model's stored answer
    about a note is kept under (`consolidate.text_hash`), unchanged since answers were first stored."""
    return " ".join(_SENTENCE_PUNCT.sub("", text.lower()).split())


def _facts(text: str) -> tuple[frozenset[str], bool]:
    """Their numbers (ports, versions, counts) and whether they negate."""
    lower = text.lower()
    numbers = set(_NUMBER.findall(lower))
    tokens = _WORD.findall(lower.replace("’", "'"))
    words = [w.replace("'", "") for w in tokens]
    numbers |= {_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS}
    negated = any(w in _NEGATIONS for w in words) or any(t.endswith("n't") for t in tokens)
    return frozenset(numbers), negated


_SECURE = frozenset("https wss ftps imaps ldaps smtps pop3s sips".split())
"""Not plurals: other protocols than http, ws, ftp, imap, ldap, smtp."""


def _stem(word: str) -> str:
    """The word without an inflection's ending."""
    if word in _SECURE:
        return word
    for suffix, instead in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + instead
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word  # give, giving; cache, caches


def _substantive(words: list[str]) -> list[str]:
    return [w for w in words if (w not in STOPWORDS and w not in _NEGATIONS) or w in _OPPOSED]


MOST_WORDS = 1000
"""Texts longer than this are not aligned word by word (its cost grows with the product of the lengths):
a note that long is compared by its numbers, negations and names only."""
ALIKE = 0.7
"""How much of two texts' words must be shared, in order (difflib's ratio), for a word that differs to be
a swap: one word in a sentence of eight is 0.86; the paraphrases of `tests/memory/test_consolidate.py`
are 0.3 to 0.64."""
_ORDERED = frozenset("not no never instead rather than over before after vs versus unlike except".split())
"""Words around which the order of the others is the meaning: "Redis, not Postgres"."""


def swapped(a: str, b: str) -> bool:
    """Whether words of substance stand where the other text has others ("indent with tabs" and "indent
    with spaces", "us-east-1" and "eu-west-1"), or the same words trade places around a "not", a
    "than", a "before" ("in Redis, not Postgres" and "in Postgres, not Redis"). A word that only
    changes its ending ("deploy", "deploys") is the same word."""
    left = [w.replace("'", "") for w in _WORD.findall(a.lower().replace("’", "'"))]
    right = [w.replace("'", "") for w in _WORD.findall(b.lower().replace("’", "'"))]
    if max(len(left), len(right)) > MOST_WORDS:
        return False
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    # Only between texts alike in words: a paraphrase says the same in other words, each of them a
    # "swap" (its numbers and negations are still compared, by `_facts`).
    alike = matcher.ratio() >= ALIKE
    for tag, i1, i2, j1, j2 in matcher.get_opcodes() if alike else ():
        if tag != "replace":
            continue
        ours, theirs = _substantive(left[i1:i2]), _substantive(right[j1:j2])
        if 1 <= len(ours) <= 3 and 1 <= len(theirs) <= 3 and not {_stem(w) for w in ours} & {_stem(w) for w in theirs}:
            return True
    ours, theirs = [_stem(w) for w in _substantive(left)], [_stem(w) for w in _substantive(right)]
    ordered = _ORDERED & set(left) & set(right)
    return bool(ordered) and sorted(ours) == sorted(theirs) and ours != theirs


_TOKEN = re.compile(r"[\w.=:/-]+")
_NAME_MARK = re.compile(r"[=_\d]|[a-z][A-Z]|[A-Z]{2}")


def _names(text: str) -> list[str]:
    """The tokens shaped like names (`PGHOST=db`, `log_level`, `camelCase`, `EC2`); found token by
    token, so the cost stays linear in the text."""
    return [token for token in _TOKEN.findall(text) if _NAME_MARK.search(token)]


def recased(a: str, b: str) -> bool:
    """Whether a name stands in the two texts in another case (`PGHOST=db` and `pghost=DB`): names,
    unlike prose, mean what their case says."""
    ours = {n.lower(): n for n in _names(a)}
    return any(ours.get(n.lower(), n) != n for n in _names(b))


def disagree(a: str, b: str) -> bool:
    """Two texts alike in words that differ in a number, a version, a negation, a swapped word or a
    name's case: not the same thing ("Always run migrations" and "Never run migrations"; Node 18 and
    Node 20; "tabs" and "spaces"; `PGHOST` and `pghost`)."""
    return _facts(a) != _facts(b) or swapped(a, b) or recased(a, b)
