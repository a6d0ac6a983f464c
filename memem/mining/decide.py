"""What to do with each extracted lesson, given the memories most like it: save it, or fold it in.

With a model, it judges each (lesson, memory) pair it is shown. Its answer is trusted only about the
pairs it was shown: a judgement naming a memory id it was not offered for that lesson (an invented id,
a typo, another lesson's memory) is ignored and logged, so it can neither drop a valid new lesson as a
"duplicate" of nothing nor leave a dangling "contradicts" link. Without a model, or when the judge's
answer is unusable, only near-identical text counts as the same memory (the rule a save applies), and
no contradiction is guessed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from memem.memory.service import DUPLICATE_COSINE
from memem.mining.failures import AnswerUnusable
from memem.mining.lessons import Judgements, Lesson

log = logging.getLogger(__name__)

Judge = Callable[[Sequence[tuple[int, Lesson, dict[str, Any]]]], Judgements]


def _by_cosine(items: list[dict[str, Any]], similar: list[list[dict[str, Any]]]) -> None:
    for item, found in zip(items, similar, strict=True):
        if found and found[0]["cosine"] >= DUPLICATE_COSINE:
            item.update(action="update", target=found[0]["id"])


def decide(
    lessons: Sequence[Lesson], similar: list[list[dict[str, Any]]], judge: Judge | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """An action per lesson, and a line for each judgement that was ignored (for the report and log)."""
    items: list[dict[str, Any]] = [{"lesson": lesson.model_dump(), "action": "save"} for lesson in lessons]
    pairs = [(i, lesson, memory) for i, (lesson, found) in enumerate(zip(lessons, similar, strict=True))
             for memory in found]  # fmt: skip
    if judge is None or not pairs:
        _by_cosine(items, similar)
        return items, []
    try:
        verdicts = judge(pairs).judgements
    except AnswerUnusable as exc:
        log.warning("the judge's answer was unusable (%s); deciding by text similarity only", exc)
        _by_cosine(items, similar)
        return items, [f"judge answer unusable: {exc}"]
    offered = [{str(memory["id"]) for memory in found} for found in similar]
    ignored: list[str] = []
    for verdict in verdicts:
        if not 0 <= verdict.lesson < len(items) or verdict.memory_id not in offered[verdict.lesson]:
            note = f"judgement ignored: lesson {verdict.lesson} was not offered memory {verdict.memory_id!r}"
            log.warning(note)
            ignored.append(note)
            continue
        item = items[verdict.lesson]
        if verdict.relation in ("duplicate", "refines") and item["action"] == "save":
            item.update(action="update", target=verdict.memory_id, merged_content=verdict.merged_content)
        elif verdict.relation in ("contradicts", "supersedes"):
            targets = item.setdefault(verdict.relation, [])
            if verdict.memory_id not in targets:
                targets.append(verdict.memory_id)
            if verdict.evidence:
                item["evidence"] = verdict.evidence
    return items, ignored
