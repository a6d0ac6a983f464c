"""The literal text a pattern cannot match without: a gate checked before the pattern is run.

The screens hold a few hundred patterns and read every note, up to 1 MB. A pattern that opens with
a literal is found by `re` scanning for it, fast; one that opens with `\\b`, a lookbehind or an
alternation is tried at every position, about 10 ms per MB each. A substring test (`"merge" in
text`) costs a fraction of that, so each pattern is run only on a text that holds one of the
literals it must begin with. Derived from the pattern's own source, so a new pattern gets its gate
without anyone writing one, and a pattern whose start is not literal gets none (it always runs).
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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


_LONG = 32_768
"""A text this long has what it holds remembered: both screens ask a long note about the same few
hundred literals (`token`, `pass`, …) four hundred times, and each question read the whole text."""
_KEPT = 4
_DENSE = 64
"""A literal found more than once per this many characters is not listed: trying the pattern at each
place would cost more than letting `re` scan."""
_PIECE, _LARGEST_PIECE = 8_192, 131_072
_CHEAP_PIECE = 0.01
"""A long text scanned whole is read in pieces (the budget is checked between them), each searched with
`_REACH` of what follows in sight: the first of `_PIECE` characters, each next one twice as long while
a piece costs less than this many seconds of CPU."""
_REACH = 4_096
"""How far from a literal it needs a pattern's match is looked for, in a long text: a match that
starts further from it than this (a 4 KB variable name before `password=`, a JSON web key whose
`"d"` stands 4 KB from its `"kty"`) is not found."""


class _Holdings:
    """Which literals one long text holds, each looked for once.

    A literal is looked for only if the text has all its characters (1 MB of `/` holds no `token`),
    and, when it has no white space in it, in the text's distinct runs of non-space characters
    joined up, which is what a literal without a space can lie in: far shorter than the text when
    it repeats itself, as the costliest notes do. Keyed by the text's length and hash, not the text,
    so no note is kept alive after it is read (the hash is salted per process: no one can make two
    texts collide on purpose)."""

    __slots__ = ("at", "chars", "found", "runs")

    def __init__(self, text: str) -> None:
        self.chars = frozenset(text)
        runs = "\n".join(set(text.split()))
        self.runs = runs if len(runs) < len(text) // 2 else None
        self.found: dict[str, bool] = {}
        self.at: dict[str, list[int] | None] = {}

    def holds(self, literal: str, text: str) -> bool:
        found = self.found.get(literal)
        if found is None:
            if not self.chars.issuperset(literal):
                found = False
            elif self.runs is not None and not any(char.isspace() for char in literal):
                found = literal in self.runs
            else:
                found = literal in text
            self.found[literal] = found
        return found

    def places(self, literal: str, text: str) -> list[int] | None:
        """Where `literal` starts in the text, in order; None when it is too frequent to list."""
        if literal not in self.at:
            if not self.holds(literal, text):
                self.at[literal] = []
            elif text.count(literal) * _DENSE > len(text):
                self.at[literal] = None
            else:
                places = [text.find(literal)]
                while (at := text.find(literal, places[-1] + 1)) >= 0:
                    places.append(at)
                self.at[literal] = places
        return self.at[literal]


_held: dict[tuple[int, int], _Holdings] = {}
_held_lock = threading.Lock()


def _holdings(text: str) -> _Holdings:
    """What is remembered of a long text (the last few are; the daemon's threads share them)."""
    key = (len(text), hash(text))
    held = _held.get(key)
    if held is None:
        held = _Holdings(text)
        with _held_lock:
            _held[key] = held
            while len(_held) > _KEPT:
                del _held[next(iter(_held))]
    return held


class TooCostly(Exception):
    """A text the screens could not read within the budget they were given (`budget`)."""


_deadline: ContextVar[float] = ContextVar("memem_screen_deadline", default=math.inf)


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Let the patterns read for at most `seconds` of this thread's CPU, then raise `TooCostly`.

    Each pattern costs what the text's length does, but a few hundred of them over 1 MB built to
    open every gate add up to seconds; the budget makes "no note costs more than a second" hold for
    texts no one has thought of yet. Checked before each pattern is run on a long text, and every few
    matches (a short text cannot cost that much, and reading the clock costs a microsecond)."""
    token = _deadline.set(min(_deadline.get(), time.thread_time() + seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def _within_budget() -> None:
    deadline = _deadline.get()
    if deadline != math.inf and time.thread_time() > deadline:
        raise TooCostly


def _paced(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    for n, match in enumerate(matches):
        if n % 64 == 63:
            _within_budget()
        yield match


def _windows(places: list[int], reach: int, size: int) -> list[tuple[int, int]]:
    """The stretches within `reach` of each place, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for place in places:
        lo, hi = max(place - reach, 0), min(place + reach, size)
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


class Gated:
    """A compiled pattern run only on a text holding one of the literals it cannot match without,
    and, in a long text, only where those literals are.

    `needs` names those literals where the pattern's start does not (a rule that opens with a class
    or a lookbehind); otherwise they are derived from its source by `gate`. Both screens read every
    note through these, so a gate is worked out once, in one place.

    In a long text, a pattern whose gate it derived from its start is tried only where one of those
    literals stands (`re` would try one that opens with `\\b` or a lookbehind at every position: 1 MB of
    `_` after one `password` cost each such pattern ~50 ms); one given `needs` is searched within
    `_REACH` of them, and what it finds there is matched again on the whole text, so a window's edge
    never cuts a value short. Where the literals are too frequent for that to pay, the whole text is
    scanned, as for a short one.
    """

    __slots__ = ("anchored", "gate", "pattern", "widest")

    def __init__(self, source: str, flags: int = 0, needs: tuple[str, ...] = ()) -> None:
        self.pattern = re.compile(source, flags)
        derived = () if flags & (re.IGNORECASE | re.VERBOSE) else gate(source)
        self.gate = needs or derived
        self.anchored = not needs and bool(derived)
        self.widest = max(map(len, self.gate), default=0)

    def opens(self, text: str) -> bool:
        """Whether `text` may hold a match (False only when it holds none of the literals)."""
        if not self.gate:
            return True
        if len(text) < _LONG:
            return any(map(text.__contains__, self.gate))
        held = _holdings(text)
        return any(held.holds(literal, text) for literal in self.gate)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if len(text) < _LONG:  # the common case, as cheap as a bare pattern
            return self.pattern.search(text, pos) if self.opens(text) else None
        return next(self._matches(text, pos), None)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if len(text) < _LONG:
            return self.pattern.finditer(text) if self.opens(text) else iter(())
        return self._matches(text, 0)

    def _matches(self, text: str, pos: int) -> Iterator[re.Match[str]]:
        """In a long text (a short one costs too little to count, or to look up its literals)."""
        _within_budget()
        if not self.opens(text):
            return iter(())
        places = self._places(text, pos) if self.gate else None
        if places is None:
            matches = self._in_pieces(text, pos)
        else:
            matches = self._at(text, places, pos) if self.anchored else self._near(text, places, pos)
        return _paced(matches) if _deadline.get() != math.inf else matches

    def _places(self, text: str, pos: int) -> list[int] | None:
        """Where the gate's literals stand from `pos` on, in order; None when a scan costs no more."""
        held = _holdings(text)
        places: set[int] = set()
        for literal in self.gate:
            found = held.places(literal, text)
            if found is None:
                return None
            places.update(found[bisect.bisect_left(found, pos) :] if self.anchored else found)
        if not self.anchored and len(places) * 2 * _REACH > len(text):
            return None
        return sorted(places)

    def _at(self, text: str, places: list[int], end: int) -> Iterator[re.Match[str]]:
        for n, place in enumerate(places):
            if n % 8 == 7:
                _within_budget()  # a try that fails yields nothing to pace it by (and may cost 5 ms)
            if place < end:
                continue
            match = self.pattern.match(text, place)
            if match is not None:
                yield match
                end = max(match.end(), place + 1)

    def _in_pieces(self, text: str, end: int) -> Iterator[re.Match[str]]:
        """A scan of the whole text, a piece at a time: one `re` call cannot be stopped by the budget,
        and a pattern that costs little per character costs seconds on 1 MB full of its opening
        (25 s for one rule on a Russian word repeated, before). Each piece is searched with `_REACH`
        of the next one in sight, and what is found is matched on the whole text. Pieces start small
        and grow while they cost little, so a costly pattern overruns the budget by one small piece
        and a cheap one pays for few overlaps."""
        size, piece, lo = len(text), _PIECE, end
        while lo < size:
            _within_budget()
            started = time.thread_time()
            hi = min(lo + piece, size)
            pos = max(lo, end)
            while pos < hi:
                found = self.pattern.search(text, pos, min(hi + _REACH, size))
                if found is None or found.start() >= hi:
                    break  # the next piece looks from there
                match = self.pattern.match(text, found.start())
                if match is None:
                    pos = found.start() + 1
                    continue
                yield match
                end = pos = max(match.end(), match.start() + 1)
            lo = hi
            if time.thread_time() - started < _CHEAP_PIECE:
                piece = min(piece * 2, _LARGEST_PIECE)

    def _near(self, text: str, places: list[int], end: int) -> Iterator[re.Match[str]]:
        for lo, hi in _windows(places, _REACH + self.widest, len(text)):
            _within_budget()
            pos = max(lo, end)
            while pos <= hi:
                found = self.pattern.search(text, pos, hi)
                if found is None:
                    break
                match = self.pattern.match(text, found.start())  # on the whole text: the window may cut it
                if match is None:
                    pos = found.start() + 1
                    continue
                yield match
                end = pos = max(match.end(), match.start() + 1)
