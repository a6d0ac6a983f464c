"""File names for new notes: readable, accepted by Obsidian on every platform, never clobbering."""

from __future__ import annotations

import re
import unicodedata

# Obsidian refuses * " \ / < > : | ? in names and treats # ^ [ ] | specially in links.
_FORBIDDEN = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 100


def note_stem(title: str, fallback: str = "memory") -> str:
    """A file name stem (no `.md`) derived from a title, e.g. 'Use uv, not pip' -> 'Use uv, not pip'."""
    text = unicodedata.normalize("NFC", title)
    text = _FORBIDDEN.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().strip(".").strip()
    if len(text) > MAX_STEM:
        cut = text[:MAX_STEM]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[MAX_STEM // 2 :] else cut).rstrip(" .,;-")
    if not text or text.upper() in _WINDOWS_RESERVED:
        text = fallback
    return text


def numbered(stem: str, n: int) -> str:
    """The n-th alternative for a taken name: 'Title', 'Title 2', 'Title 3', … as Obsidian does."""
    return stem if n <= 1 else f"{stem} {n}"
