"""Mining one transcript: new turns → lessons → decisions against existing memories → the vault.

Runs as its own process (`memem mine --session …`, started detached by the Stop hook) so Claude Code
never waits. Extraction happens here; every read of the memories and every write goes to the daemon
(or, when none runs, to the stores opened here under the owner lock). The offset advances only once
the writes are done.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from memem.memory.service import DUPLICATE_COSINE
from memem.mining.lessons import Lesson
from memem.mining.state import MiningState
from memem.mining.transcript import Turn, read_turns
from memem.project import project_of
from memem.settings import settings

log = logging.getLogger(__name__)
CHUNK_CHARS = 40_000


class Backend(Protocol):
    def similar(self, texts: list[str], project: str | None) -> list[list[dict[str, Any]]]: ...
    def apply(
        self, items: list[dict[str, Any]], project: str | None, session_id: str | None, miner: str
    ) -> dict[str, Any]: ...


class Extractor(Protocol):
    name: str

    def extract(self, conversation: str, project: str | None) -> list[Lesson]: ...


@dataclass
class MineReport:
    transcript: str
    turns: int = 0
    lessons: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    skipped_reason: str | None = None


def conversation_text(turns: Sequence[Turn]) -> str:
    return "\n\n".join(f"### {'Person' if t.role == 'user' else 'Assistant'}:\n{t.text}" for t in turns)


def chunks(turns: Sequence[Turn], limit: int = CHUNK_CHARS) -> list[list[Turn]]:
    out: list[list[Turn]] = [[]]
    size = 0
    for turn in turns:
        if out[-1] and size + len(turn.text) > limit:
            out.append([])
            size = 0
        out[-1].append(
            turn
            if len(turn.text) <= limit
            else Turn(turn.role, turn.text[:limit], turn.uuid, turn.timestamp, turn.session_id, turn.cwd)
        )
        size += len(turn.text)
    return [c for c in out if c]


def decide(lessons: list[Lesson], similar: list[list[dict[str, Any]]], extractor: Any) -> list[dict[str, Any]]:
    """An action per lesson: fold into a duplicate, or save (with contradicts/supersedes links)."""
    items: list[dict[str, Any]] = [{"lesson": lesson.model_dump(), "action": "save"} for lesson in lessons]
    judge = getattr(extractor, "judge", None)
    if judge is None:
        # Without a model, only near-identical text counts as the same memory (the rule a save applies);
        # no contradiction guessing.
        for item, found in zip(items, similar, strict=True):
            if found and found[0]["cosine"] >= DUPLICATE_COSINE:
                item.update(action="update", target=found[0]["id"])
        return items
    pairs = [
        (i, lesson, memory) for i, (lesson, found) in enumerate(zip(lessons, similar, strict=True)) for memory in found
    ]
    verdicts = judge(pairs).judgements if pairs else []
    for verdict in verdicts:
        if not 0 <= verdict.lesson < len(items):
            continue
        item = items[verdict.lesson]
        if verdict.relation in ("duplicate", "refines") and item["action"] == "save":
            item.update(action="update", target=verdict.memory_id, merged_content=verdict.merged_content)
        elif verdict.relation in ("contradicts", "supersedes"):
            item.setdefault(verdict.relation, []).append(verdict.memory_id)
            if verdict.evidence:
                item["evidence"] = verdict.evidence
    return items


def mine_turns(
    turns: Sequence[Turn], backend: Backend, extractor: Extractor, scope: str | None, session_id: str | None
) -> tuple[int, dict[str, Any]]:
    """Extract lessons from a conversation and write them: (lessons found, the backend's report)."""
    lessons = [lesson for chunk in chunks(turns) for lesson in extractor.extract(conversation_text(chunk), scope)]
    unique = list({lesson.title.strip().lower(): lesson for lesson in lessons}.values())
    if not unique:
        return 0, {}
    similar = backend.similar([f"{lesson.title}\n{lesson.content}" for lesson in unique], scope)
    return len(unique), backend.apply(decide(unique, similar, extractor), scope, session_id, extractor.name)


def mine_transcript(
    path: Path, backend: Backend, extractor: Extractor, state: MiningState, project: str | None = None
) -> MineReport:
    report = MineReport(str(path))
    with state.session_lock(path):
        start = state.get(path).offset
        size = path.stat().st_size
        if size < start:
            start = 0  # the file was rewritten (not appended to): read it from the beginning
        turns, end = read_turns(path, start)
        session_id = next((t.session_id for t in turns if t.session_id), None) or path.stem
        report.turns = len(turns)
        if not any(t.role == "user" for t in turns):
            state.advance(path, session_id, end, 0)
            report.skipped_reason = "no new turns from the person"
            return report
        cwd = next((t.cwd for t in turns if t.cwd), None)
        scope = project or project_of(cwd)
        report.lessons, report.result = mine_turns(turns, backend, extractor, scope, session_id)
        written = len(report.result.get("saved", [])) + len(report.result.get("updated", []))
        state.advance(path, session_id, end, written)
    return report


def choose_extractor(offline: bool = False) -> Extractor:
    """Claude when a key is set (unless `offline`, or MEMEM_MINER says so), else the offline extractor."""
    if not offline and settings().miner != "offline" and os.environ.get("ANTHROPIC_API_KEY"):
        from memem.mining.extract_claude import ClaudeExtractor

        return ClaudeExtractor()
    from memem.mining.extract_offline import OfflineExtractor

    return OfflineExtractor()
