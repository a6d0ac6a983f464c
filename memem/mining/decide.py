"""What to do with each extracted lesson, given the memories most like it: save it, or fold it in.

With a model, it judges each (lesson, memory) pair it is shown. Its answer is trusted only about the
pairs it was shown: a judgement naming a memory id it was not offered for that lesson (an invented id,
a typo, another lesson's memory) is ignored and logged, so it can neither drop a valid new lesson as a
"duplicate" of nothing nor leave a dangling "contradicts" link. Without a model, or when the judge's
answer is unusable, only near-identical text counts as the same memory (the rule a save applies), and
no contradiction is guessed.

A memory the miner does not own (a person's note, an imported one, or any note with `reviewed` set)
is never folded into nor replaced: the README's promise is that the miner never rewrites a reviewed
note and deprecates nothing. A lesson judged a `duplicate` of it or to `refine` it is saved as its own
unreviewed note with a `related` link to it (so it waits in the Review pane, and consolidation may
propose merging the two), and one judged to `supersede` it is flagged as a contradiction from the new
note (a `supersedes` link would make recall show the unreviewed note in the reviewed one's place); a
person decides in the Contradictions pane, whose "keep this one" supersedes and deprecates the other.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from memem.memory.compare import disagree
from memem.memory.screen import redact
from memem.memory.service import DUPLICATE_COSINE
from memem.mining.failures import AnswerUnusable
from memem.mining.lessons import Judgements, Lesson

log = logging.getLogger(__name__)

Judge = Callable[[Sequence[tuple[int, Lesson, dict[str, Any]]]], Judgements]


def machine_owned(memory: dict[str, Any]) -> bool:
    """A memory the miner may fold lessons into: mined, and not reviewed by anyone."""
    return memory.get("source_type") == "mined" and not memory.get("reviewed")


def _add(item: dict[str, Any], key: str, memory_id: str) -> None:
    targets = item.setdefault(key, [])
    if memory_id not in targets:
        targets.append(memory_id)


def _judged(item: dict[str, Any], relation: str, memory_id: str, evidence: str) -> None:
    """Keep what the judge said about a memory the lesson could not be folded into (shown to the reviewer)."""
    line = f"{relation} {memory_id}" + (f": {evidence}" if evidence else "")
    item.setdefault("judged", []).append(line[:300])


def shown(memory: dict[str, Any]) -> str:
    """A fingerprint of the memory's text as the judge read it: a fold computed from that text is
    applied only to that text (`apply`), never over a change made since (another lesson folded in by
    the same run, an edit), which it would erase."""
    return hashlib.sha256(str(memory.get("content") or "").strip().encode()).hexdigest()[:16]


def _by_cosine(items: list[dict[str, Any]], similar: list[list[dict[str, Any]]]) -> None:
    for item, found in zip(items, similar, strict=True):
        if not found or found[0]["cosine"] < DUPLICATE_COSINE:
            continue
        if disagree(str(item["lesson"]["content"]).strip(), str(found[0].get("content") or "")):
            continue  # alike in words, not the same memory (another port, "never" for "always"): its own note
        if machine_owned(found[0]):
            item.update(action="update", target=found[0]["id"], shown=shown(found[0]))
        else:  # the same words as a reviewed or a person's note: its own note, linked, for review
            _add(item, "related", str(found[0]["id"]))
            _judged(item, "duplicate", str(found[0]["id"]), f"cosine {found[0]['cosine']}")


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
    offered = [{str(memory["id"]): memory for memory in found} for found in similar]
    ignored: list[str] = []
    for verdict in verdicts:
        if not 0 <= verdict.lesson < len(items) or verdict.memory_id not in offered[verdict.lesson]:
            # The id is the model's words, not an id memem made: it may carry anything, a secret too.
            named = redact(verdict.memory_id)[:80]
            note = f"judgement ignored: lesson {verdict.lesson} was not offered memory {named!r}"
            log.warning(note)
            ignored.append(note)
            continue
        item = items[verdict.lesson]
        owned = machine_owned(offered[verdict.lesson][verdict.memory_id])
        if verdict.relation in ("duplicate", "refines") and not owned:
            _add(item, "related", verdict.memory_id)
            _judged(item, verdict.relation, verdict.memory_id, verdict.evidence)
        elif verdict.relation == "refines" and not (verdict.merged_content or "").strip():
            # Detail to add and no text that adds it: folding in would keep only the memory's old
            # words, so the lesson is saved as its own note beside it.
            _add(item, "related", verdict.memory_id)
            _judged(item, verdict.relation, verdict.memory_id, verdict.evidence)
        elif verdict.relation in ("duplicate", "refines") and item["action"] == "save":
            memory = offered[verdict.lesson][verdict.memory_id]
            item.update(action="update", target=verdict.memory_id, merged_content=verdict.merged_content,
                        shown=shown(memory))  # fmt: skip
        elif verdict.relation == "supersedes" and not owned:
            # Never retire a reviewed note: the pair goes to a person, as a contradiction.
            _add(item, "flagged", verdict.memory_id)
            _judged(item, "supersedes", verdict.memory_id, verdict.evidence)
            if verdict.evidence:
                item["evidence"] = verdict.evidence
        elif verdict.relation in ("contradicts", "supersedes"):
            _add(item, verdict.relation, verdict.memory_id)
            if verdict.evidence:
                item["evidence"] = verdict.evidence
    return items, ignored
