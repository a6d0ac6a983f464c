"""Searching raw Claude Code transcripts (what was said, not what was remembered).

Transcripts are parsed once per file version (size and mtime) and kept in memory by the daemon;
scoring is TF-IDF over turns with the same word handling as memory search, so a search over a few
hundred sessions answers in milliseconds after the first call.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memem.memory.screen import redact
from memem.mining.transcript import Turn, read_turns, transcripts
from memem.project import project_of
from memem.recall.snippet import snippet
from memem.recall.text import content_words


@dataclass(frozen=True)
class _Entry:
    size: int
    mtime_ns: int
    turns: list[Turn]
    words: list[Counter[str]]
    project: str | None
    shown: dict[int, str] = field(default_factory=dict)
    """Turns already redacted for an answer, by position: a turn is redacted once, when first found."""


class TranscriptSearch:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._cache: dict[Path, _Entry] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> list[tuple[Path, _Entry]]:
        entries = []
        with self._lock:
            for path in transcripts(self.root):
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                entry = self._cache.get(path)
                if entry is None or (entry.size, entry.mtime_ns) != (st.st_size, st.st_mtime_ns):
                    turns, _ = read_turns(path)
                    cwd = next((t.cwd for t in turns if t.cwd), None)
                    entry = _Entry(
                        st.st_size,
                        st.st_mtime_ns,
                        turns,
                        [Counter(content_words(t.text)) for t in turns],
                        project_of(cwd),
                    )
                    self._cache[path] = entry
                entries.append((path, entry))
        return entries

    def search(self, query: str, project: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
        terms = list(dict.fromkeys(content_words(query)))
        if not terms:
            return []
        entries = [(p, e) for p, e in self._refresh() if project is None or e.project == project]
        total = sum(len(e.turns) for _, e in entries) or 1
        df = Counter(t for _, e in entries for counts in e.words for t in terms if t in counts)
        idf = {t: math.log(1 + total / (1 + df[t])) for t in terms}
        scored = []
        for path, entry in entries:
            for n, counts in enumerate(entry.words):
                score = sum((1 + math.log(counts[t])) * idf[t] for t in terms if counts.get(t))
                if score > 0:
                    scored.append((score, path, entry, n))
        scored.sort(key=lambda item: -item[0])
        return [
            {
                "session_id": entry.turns[n].session_id or path.stem,
                "transcript": redact(str(path)),
                "project": entry.project,
                "role": entry.turns[n].role,
                "timestamp": entry.turns[n].timestamp,
                "score": round(score, 4),
                "snippet": snippet(self._shown(entry, n), query, 240),
            }
            for score, path, entry, n in scored[:limit]
        ]

    def _shown(self, entry: _Entry, n: int) -> str:
        """A turn's text as an answer may show it: redacted whole, before a snippet is cut from it (a
        secret cut by the snippet's window would no longer be recognised, and half of it shown). An
        answer goes to the model's provider, as a mining prompt does: no secret leaves in either."""
        with self._lock:
            text = entry.shown.get(n)
        if text is None:
            text = redact(entry.turns[n].text)
            with self._lock:
                entry.shown[n] = text
        return text
