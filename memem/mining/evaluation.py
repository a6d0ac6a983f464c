"""Scoring an extractor on a labelled set of sessions: `memem eval --mining`, and the mining benchmark.

A labelled set is a folder with `labels.json`: for each transcript (a path relative to the folder),
the lessons a careful reviewer would keep and the notes they would accept without asking for them,
each with `match`, words any note stating it must contain. A note is good when it matches a lesson
or an acceptable note of its transcript, junk otherwise; precision is good notes over notes, recall
lessons matched over lessons. An extractor that writes nothing has no precision to report (shown as
"-"), which is better than a low one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memem.memory.screen import find_secrets
from memem.mining.lessons import Lesson
from memem.mining.miner import Extractor, chunks, extract_piece
from memem.mining.transcript import Turn, read_turns
from memem.project import project_of


@dataclass(frozen=True)
class Label:
    lesson: str
    match: tuple[str, ...]

    def fits(self, lesson: Lesson) -> bool:
        text = f"{lesson.title}\n{lesson.content}".lower()
        return all(term.lower() in text for term in self.match)


@dataclass(frozen=True)
class Labelled:
    path: Path
    source: str
    lessons: tuple[Label, ...]
    acceptable: tuple[Label, ...]


@dataclass
class Scored:
    name: str
    source: str
    notes: list[Lesson] = field(default_factory=list)
    junk: list[Lesson] = field(default_factory=list)
    lessons: int = 0
    found: int = 0
    set_aside: int = 0

    @property
    def good(self) -> int:
        return len(self.notes) - len(self.junk)


class LabelsError(ValueError):
    """The labelled set cannot be read: says which file and what is wrong."""


def _labels(items: Any, where: str) -> tuple[Label, ...]:
    if not isinstance(items, list):
        raise LabelsError(f"{where}: expected a list")
    out = []
    for item in items:
        match = item.get("match") if isinstance(item, dict) else None
        if not isinstance(match, list) or not match or not all(isinstance(m, str) and m for m in match):
            raise LabelsError(f"{where}: each entry needs `match`, a non-empty list of words")
        out.append(Label(str(item.get("lesson", "")), tuple(match)))
    return tuple(out)


def load(folder: Path) -> list[Labelled]:
    """The labelled set in `folder` (its `labels.json`)."""
    file = folder / "labels.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelsError(f"{file} does not exist: a labelled set is a folder with labels.json") from None
    except (OSError, ValueError) as exc:
        raise LabelsError(f"{file} cannot be read: {exc}") from None
    entries = data.get("transcripts") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise LabelsError(f'{file}: expected {{"transcripts": {{PATH: {{lessons, acceptable}}}}}}')
    out = []
    for rel, entry in entries.items():
        path = (folder / rel).resolve()
        if not path.is_file():
            raise LabelsError(f"{file}: {rel} does not exist")
        if not isinstance(entry, dict):
            raise LabelsError(f"{file}: {rel}: expected an object")
        out.append(
            Labelled(
                path,
                str(entry.get("source", "")),
                _labels(entry.get("lessons", []), f"{rel} lessons"),
                _labels(entry.get("acceptable", []), f"{rel} acceptable"),
            )
        )
    return out


def extract_all(turns: list[Turn], extractor: Extractor, project: str | None) -> tuple[list[Lesson], int]:
    """What the miner would write for a conversation (before de-duplication against the vault),
    and how many pieces it set aside. A lesson holding a secret is left out, as the write withholds
    it: scored, it would count a note nobody gets (and its title may be what the secret was for)."""
    failed: list[tuple[list[Turn], str]] = []
    lessons = [lesson for piece in chunks(turns) for lesson in extract_piece(piece, extractor, project, failed)]
    kept = [lesson for lesson in lessons if not find_secrets("\n".join([lesson.title, lesson.content, *lesson.tags]))]
    return list({lesson.title.strip().lower(): lesson for lesson in kept}.values()), len(failed)


def score(item: Labelled, extractor: Extractor) -> Scored:
    turns, _ = read_turns(item.path)
    project = project_of(next((t.cwd for t in turns if t.cwd), None)) if turns else None
    notes, set_aside = extract_all(turns, extractor, project)
    scored = Scored(item.path.name, item.source, notes, lessons=len(item.lessons), set_aside=set_aside)
    scored.junk = [n for n in notes if not any(label.fits(n) for label in item.lessons + item.acceptable)]
    scored.found = sum(1 for label in item.lessons if any(label.fits(n) for n in notes))
    return scored


def evaluate(
    labelled: Iterable[Labelled], extractor: Extractor, progress: Callable[[str], None] | None = None
) -> list[Scored]:
    out = []
    for item in labelled:
        if progress:
            progress(item.path.name)
        out.append(score(item, extractor))
    return out


def totals(scores: list[Scored]) -> dict[str, Any]:
    notes = sum(len(s.notes) for s in scores)
    good = sum(s.good for s in scores)
    lessons = sum(s.lessons for s in scores)
    found = sum(s.found for s in scores)
    return {
        "transcripts": len(scores),
        "notes": notes,
        "good": good,
        "junk": notes - good,
        "precision": round(good / notes, 3) if notes else None,
        "lessons": lessons,
        "found": found,
        "recall": round(found / lessons, 3) if lessons else None,
        "set_aside": sum(s.set_aside for s in scores),
    }
