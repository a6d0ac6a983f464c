"""Writing mined lessons into the vault: the daemon's half of mining (it is the one writer).

Each lesson is screened (a secret drops it; text aimed at the model sends it to quarantine, outside
the memories folder, for a person to look at), then either saved as a new note (`source_type: mined`,
its session, no `reviewed`), or folded into the memory it duplicates. A contradiction gets
`contradicts` links both ways with the evidence, for review; nothing is ever deprecated here.

A note a person has reviewed or written is never rewritten nor retired by the miner, whatever the
judge said (`decide`), and this is checked again here on the note's text as it is now (it may have
been reviewed since it was offered to the judge): a lesson that would have been folded into it is
saved as its own note with a `related` link to it; one that would have superseded it is linked to it
by `contradicts` from the new note only, for a person to decide (a `supersedes` link would make
recall show the unreviewed note in its place). A lesson that repeats it word for word is reported as
skipped, naming it. Nothing is dropped without a line in the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from memem.errors import Refused
from memem.index.scope import Scope
from memem.memory.compare import disagree
from memem.memory.screen import describe, find_injection, find_secrets
from memem.memory.service import MemoryService, SaveRequest, written_text
from memem.mining.decide import shown
from memem.recall.candidates import note_vector
from memem.vault import frontmatter, writer
from memem.vault.note import Note, parse_note
from memem.vault.teams import hidden_prefixes

SIMILAR_FLOOR = 0.55


def similar(service: MemoryService, texts: list[str], project: str | None, k: int = 3) -> list[list[dict[str, Any]]]:
    """For each text, the active memories in scope most like it (cosine ≥ SIMILAR_FLOOR)."""
    out = []
    store = service.store
    # The project's and the global memories, active ones, and those of the team vaults serving it.
    scope = Scope(project, hidden=hidden_prefixes(store.paths.vault, project))
    for text in texts:
        hits = store.vector_query(note_vector(store, text), k + 3, scope.vector_where())
        rows = store.catalog.by_uid([h.uid for h in hits])
        found = []
        for h in hits:
            row = rows.get(h.uid)
            if (
                row is None
                or not scope.admits(row.project, row.status, row.layer, row.path, row.withheld)
                or h.similarity < SIMILAR_FLOOR
            ):
                continue
            found.append(
                {
                    "id": row.id,
                    "title": row.title,
                    "content": store.catalog.body(row.uid).strip(),
                    "cosine": round(h.similarity, 4),
                    "reviewed": row.reviewed,
                    "source_type": row.source_type,
                }
            )
        out.append(found[:k])
    return out


class NotOwned(Exception):
    """The memory is a person's or a reviewed one: the miner leaves it exactly as it is."""


def _owned(note: object) -> bool:
    return isinstance(note, Note) and note.source_type == "mined" and not note.reviewed


def _owned_now(service: MemoryService, target_id: str) -> bool | None:
    """Whether the miner owns this memory, read from its text as it is now; None if it is gone."""
    try:
        row = service.resolve(target_id)
        data = (service.paths.vault / row.path).read_bytes()
    except (LookupError, Refused, OSError):
        return None
    return _owned(parse_note(row.path, data))


class NotTheSame(Exception):
    """The lesson cannot be folded into the memory without losing words: its text changed since the
    judge read it, or the lesson, a bare repeat by the judge's word, says something else."""


def _fold_in(
    service: MemoryService,
    target_id: str,
    merged: str | None,
    session_id: str | None,
    shown_as: str | None = None,
    lesson: str | None = None,
) -> str:
    """Update an existing memory with what was mined again. Only a machine-owned one (mined, never
    reviewed): a person's or a reviewed note is not touched at all (`NotOwned`). A merged text replaces
    the body only if the body is still the one it was merged from (`shown_as`, decide.shown); a bare
    repeat (no merged text) only if `lesson` says the same as the body; else `NotTheSame`."""
    row = service.resolve(target_id)

    def change(text: str) -> str:
        note = parse_note(row.path, text.encode())
        # Decided on the text as it is now, not as last indexed: a person may have just reviewed it.
        if not _owned(note):
            raise NotOwned(f"{row.id} is a reviewed or a person's note; the miner leaves it as it is")
        body = note.body.strip() if isinstance(note, Note) else ""
        if merged and shown_as and shown({"content": body}) != shown_as:
            raise NotTheSame(f"{row.id} changed since the judge read it")
        if not merged and lesson and disagree(lesson.strip(), body):
            raise NotTheSame(f"{row.id} says something else")
        sessions = note.metadata.get("source_sessions") if isinstance(note, Note) else None
        sessions = [str(s) for s in sessions] if isinstance(sessions, list) else []
        if session_id and session_id not in sessions:
            sessions.append(session_id)
        updates: dict[str, Any] = {"updated": dt.date.today().isoformat()}
        if sessions:
            updates["source_sessions"] = sessions
        edited = frontmatter.edit_keys(text, updates)
        if merged and isinstance(note, Note) and merged.strip() != note.body.strip():
            parts = frontmatter.split(edited)
            edited = edited[: len(edited) - len(parts.body)] + "\n" + merged.strip() + "\n"
        return edited

    try:
        service.events.update(service.paths.vault, row.path, row.id, change)
    except writer.NoteVanished:
        raise Refused(f"{row.path} was moved or deleted meanwhile") from None
    service.store.sync_paths([row.path])
    return row.id


def _request(item: dict[str, Any], project: str | None, session_id: str | None, miner: str) -> SaveRequest:
    lesson = item["lesson"]
    links: dict[str, list[str]] = {}
    # `flagged`: memories the lesson would replace but the miner may not retire, linked from the new
    # note only, as a contradiction for a person to settle.
    for kind, key in (("contradicts", "contradicts"), ("contradicts", "flagged"), ("supersedes", "supersedes"),
                      ("related", "related")):  # fmt: skip
        for target in item.get(key) or ():
            if str(target) not in links.setdefault(kind, []):
                links[kind].append(str(target))
    links = {kind: targets for kind, targets in links.items() if targets}
    extra: dict[str, Any] = {"miner": miner}
    if lesson.get("evidence"):
        extra["evidence"] = str(lesson["evidence"])[:300]
    if (item.get("contradicts") or item.get("flagged")) and item.get("evidence"):
        extra["contradiction_evidence"] = str(item["evidence"])[:300]
    if item.get("judged"):
        extra["judged"] = [str(line)[:300] for line in item["judged"]]
    return SaveRequest(
        content=str(lesson["content"]),
        title=str(lesson["title"]),
        tags=tuple(str(t) for t in lesson.get("tags") or ())[:6],
        project=project if lesson.get("scope", "project") == "project" else None,
        kind=lesson.get("kind"),
        importance=int(lesson.get("importance") or 3),
        links=links,
        source_type="mined",
        source_session=session_id,
        extra=extra,
    )


def _not_retiring(service: MemoryService, item: dict[str, Any]) -> dict[str, Any]:
    """The item with every `supersedes` target the miner does not own (now) turned into a flag for review."""
    keep: list[Any] = []
    flag = list(item.get("flagged") or [])
    for target in item.get("supersedes") or []:
        owned = _owned_now(service, str(target))
        if owned is None:
            continue  # gone meanwhile: no link to a memory that is not there
        (keep if owned else flag).append(target)
    if keep == list(item.get("supersedes") or []):
        return item
    judged = [*(item.get("judged") or []), *(f"supersedes {t}" for t in flag if t not in (item.get("flagged") or []))]
    return {**item, "supersedes": keep, "flagged": flag, "judged": judged}


def apply(
    service: MemoryService, items: list[dict[str, Any]], project: str | None, session_id: str | None, miner: str
) -> dict[str, Any]:
    """Apply the miner's decisions. Items: {"lesson": {...}, "action": "save"|"update", "target", "merged_content",
    "contradicts": [ids], "supersedes": [ids], "evidence": str}."""
    report: dict[str, Any] = {"saved": [], "updated": [], "skipped": [], "quarantined": [], "linked": []}
    for n, item in enumerate(items):  # the body comes over HTTP: a malformed item is a refusal, not a 500
        if not isinstance(item, dict) or not isinstance(item.get("lesson"), dict):
            raise Refused(f"item {n} must be an object whose `lesson` is an object")
    for item in items:
        with service.events.operation("mine", str(item["lesson"].get("title") or "")):
            _apply_one(service, item, project, session_id, miner, report)
    return report


def _apply_one(
    service: MemoryService,
    item: dict[str, Any],
    project: str | None,
    session_id: str | None,
    miner: str,
    report: dict[str, Any],
) -> None:
    """One of the miner's decisions, applied (one batch of the event log); what happened goes into `report`."""
    lesson = item["lesson"]
    item = _not_retiring(service, item)
    request = _request(item, project, session_id, miner)
    # Everything the miner may write, the merged text of an update included, is screened.
    text = "\n".join([written_text(request), str(item.get("merged_content") or "")])
    secrets = find_secrets(text)
    if secrets:
        report["skipped"].append({"title": "(withheld)", "reason": describe(secrets)})
        return
    injection = find_injection(text)
    if injection:
        report["quarantined"].append(service.quarantine(request, describe(injection)).path)
        return
    if item.get("action") == "update" and item.get("target"):
        try:
            folded = _fold_in(service, item["target"], item.get("merged_content"), session_id,
                              shown_as=item.get("shown"), lesson=str(lesson.get("content") or ""))  # fmt: skip
            report["updated"].append(folded)
            return
        except (NotOwned, NotTheSame):
            # Reviewed since the judge saw it, or changed (another lesson of this run folded in), or
            # not the same after all: the lesson becomes its own note, linked to it.
            target = str(item["target"])
            item = {**item, "action": "save", "related": [*(item.get("related") or []), target],
                    "judged": [*(item.get("judged") or []), f"refines {target}"]}  # fmt: skip
            request = _request(item, project, session_id, miner)
        except LookupError:
            # The memory it repeats is gone (deleted meanwhile, or never existed): the lesson is
            # new after all, so it is saved below rather than dropped.
            pass
        except (Refused, writer.WriteConflict) as exc:
            report["skipped"].append(
                {"title": lesson.get("title"), "reason": f"could not update {item['target']}: {exc}"}
            )
            return
    try:
        saved = service.save(request)
    except Refused as exc:
        report["skipped"].append({"title": lesson.get("title"), "reason": str(exc)})
        return
    if saved.quarantined:
        report["quarantined"].append(saved.path)
        return
    if saved.duplicate_of:
        try:
            report["updated"].append(_fold_in(service, saved.duplicate_of, None, session_id))
        except NotOwned:
            report["skipped"].append(
                {"title": lesson.get("title"), "reason": f"already remembered by {saved.duplicate_of} "
                 "(a reviewed or a person's note, left as it is)"}
            )  # fmt: skip
        except (Refused, LookupError, writer.WriteConflict) as exc:
            report["skipped"].append({"title": lesson.get("title"), "reason": f"already remembered; {exc}"})
        return
    report["saved"].append({"id": saved.id, "title": saved.title, "path": saved.path})
    for kind in ("related", "flagged"):
        for other in item.get(kind) or []:
            report["linked"].append({"kind": "contradicts" if kind == "flagged" else kind, "from": saved.id,
                                     "to": str(other)})  # fmt: skip
    for other in item.get("contradicts") or []:
        # Both ways, so whichever note a person opens shows the tension. A link that cannot be
        # made (an id no memory has) costs that link, never the rest of the batch.
        try:
            service.link(str(other), saved.id, "contradicts")
        except (Refused, LookupError, writer.WriteConflict) as exc:
            report["skipped"].append({"title": lesson.get("title"), "reason": f"contradicts link not made: {exc}"})
            continue
        report["linked"].append({"kind": "contradicts", "from": other, "to": saved.id})
