"""The literal text a pattern cannot match without: a gate checked before the pattern is run.

The screens hold a few hundred patterns and read every note, up to 1 MB. A pattern that opens with
a literal is found by `re` scanning for it, fast; one that opens with `\\b`, a lookbehind or an
alternation is tried at every position, about 10 ms per MB each. A substring test (`"merge" in
text`) costs a fraction of that, so each pattern is run only on a text that holds one of the
literals it must begin with. Derived from the pattern's own source, so a new pattern gets its gate
without anyone writing one, and a pattern whose start is not literal gets none (it always runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_ASSERTION = re.compile(r"^(?:\\b|\^|\(\?<?[!=](?:[^()\\]|\\.|\([^()]*\))*\))+")
_QUANTIFIER = "?*+{"
_ESCAPED = ".-/$'\"`#:@_ "
_PLAIN = " _-'’,;:/@="


def _leading_literal(source: str) -> str:
    """The literal characters a pattern (or one alternative of it) starts with."""
    out: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in _ESCAPED:
            char, step = source[i + 1], 2
        elif char.isalnum() or char in _PLAIN:
            step = 1
        else:
            break
        if i + step < len(source) and source[i + step] in _QUANTIFIER:
            break  # this character is optional or repeated: what came before is all that is sure
        out.append(char)
        i += step
    return "".join(out)


def _class_end(source: str, start: int) -> int:
    """Just past the `]` that closes the class opened at `start` (`[]x]`, `[^\\]]`: not the first `]`)."""
    i = start + 1
    if i < len(source) and source[i] == "^":
        i += 1
    if i < len(source) and source[i] == "]":
        i += 1  # a class's first member may be `]`
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """(position, character, group depth after it) of each character outside escapes and classes."""
    depth, i = 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(source, i)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        yield i, char, depth
        i += 1


def _split(source: str) -> list[str] | None:
    """The top-level alternatives of `source`; None when its groups are unbalanced."""
    parts, start, depth = [], 0, 0
    for i, char, depth in _structure(source):
        if depth < 0:
            return None
        if char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    return [*parts, source[start:]] if depth == 0 else None


def _group(source: str) -> str | None:
    """The inside of the group `source` opens with (`(?:a|b)c` -> `a|b`), None if it is optional."""
    for i, char, depth in _structure(source):
        if char == ")" and depth == 0:
            optional = i + 1 < len(source) and source[i + 1] in _QUANTIFIER
            return None if optional else source[3:i]
    return None


def _gates(source: str, shortest: int) -> tuple[str, ...] | None:
    parts = _split(source)
    if parts is None:
        return None
    found: list[str] = []
    for part in parts:
        part = _ASSERTION.sub("", part)
        if part.startswith("(?:"):
            inner = _group(part)
            sub = _gates(inner, 2) if inner is not None else None
            if not sub:
                return None
            found += sub
            continue
        literal = _leading_literal(part)
        if len(literal) < shortest:
            return None
        found.append(literal)
    return tuple(found)


def gate(source: str) -> tuple[str, ...]:
    """Literals one of which every match contains (the pattern must be searched in the case it is
    written in); empty when the pattern's start is not literal enough to tell."""
    if "(?i" in source or "(?x" in source:
        return ()
    return _gates(source, 2) or ()


class Gated:
    """A compiled pattern run only on a text holding one of the literals it cannot match without.

    `needs` names those literals where the pattern's start does not (a rule that opens with a class
    or a lookbehind); otherwise they are derived from its source by `gate`. Both screens read every
    note through these, so a gate is worked out once, in one place.
    """

    __slots__ = ("gate", "pattern")

    def __init__(self, source: str, flags: int = 0, needs: tuple[str, ...] = ()) -> None:
        self.pattern = re.compile(source, flags)
        self.gate = needs or gate(source)

    def opens(self, text: str) -> bool:
        """Whether `text` may hold a match (False only when it holds none of the literals)."""
        return not self.gate or any(literal in text for literal in self.gate)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.pattern.search(text, pos) if self.opens(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.opens(text) else iter(())
