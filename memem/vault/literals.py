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


def _split(source: str) -> tuple[list[str], str] | None:
    """The top-level alternatives of `source`, and what follows a group that opens it; None when
    something is unbalanced or a group is optional."""
    depth, in_class, start, parts = 0, False, 0, []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    return ([*parts, source[start:]], "") if depth == 0 and not in_class else None


def _group(source: str) -> str | None:
    """The inside of the group `source` opens with (`(?:a|b)c` -> `a|b`), None if it is optional."""
    depth = 0
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = source.find("]", i + 2)
            i = end + 1 if end > 0 else len(source)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                optional = i + 1 < len(source) and source[i + 1] in _QUANTIFIER
                return None if optional else source[3:i]
        i += 1
    return None


def _gates(source: str, shortest: int) -> tuple[str, ...] | None:
    split = _split(source)
    if split is None:
        return None
    found: list[str] = []
    for part in split[0]:
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
