"""Canaries: notes planted in the live vault that recall must always find, or must never show.

- tagged `canary`: must be among the first `REACH` results for its trigger, the note's `canary_query`
  property (else its title), in its own project. A failure means recall lost something it held;
- tagged `canary-never`: must never reach a prompt. It is probed with its own title and its first
  sentence as prompts, through the same pipeline as the prompt hook; a deprecated or archived canary
  of this kind checks that the scope rule holds on the live vault, an active one that the relevance
  floor does.

`memem doctor` runs them; each failure is an error with what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass

from memem.index.catalog import Row
from memem.index.store import IndexStore
from memem.recall.inject import inject
from memem.recall.query import Query
from memem.recall.search import search
from memem.vault import frontmatter
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import MAX_NOTE_BYTES

REACH = 5
REACH_TAG = "canary"
NEVER_TAG = "canary-never"


@dataclass(frozen=True)
class CanaryResult:
    id: str
    path: str
    kind: str  # reach | never
    probe: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "path": self.path, "kind": self.kind, "probe": self.probe, "ok": self.ok,
                "detail": self.detail}  # fmt: skip


def _query_of(store: IndexStore, row: Row) -> str:
    try:
        text = read_bounded(store.paths.vault / row.path, MAX_NOTE_BYTES).decode("utf-8")
        props = frontmatter.load(frontmatter.split(text).yaml_text or "")
    except (FileRefused, OSError, UnicodeDecodeError, frontmatter.FrontmatterError):
        return row.title
    value = props.get("canary_query")
    return str(value).strip() if isinstance(value, str) and value.strip() else row.title


def check(store: IndexStore) -> list[CanaryResult]:
    results: list[CanaryResult] = []
    for row in store.catalog.rows():
        tags = {t.lower() for t in row.tags}
        if REACH_TAG in tags:
            probe = _query_of(store, row)
            hits = search(store, Query(probe, project=row.project, limit=REACH, graph=False))
            ranked = [h.id for h in hits if not h.pinned]  # the pinned notes do not take a ranked place
            rank = ranked.index(row.id) + 1 if row.id in ranked else None
            pinned = any(h.pinned and h.id == row.id for h in hits)  # layer 0: first for every prompt, unranked
            detail = (
                "pinned: first for every prompt of its project" if pinned
                else f"#{rank} for its trigger" if rank else f"not in the first {REACH} for its trigger"
            )  # fmt: skip
            results.append(CanaryResult(row.id, row.path, "reach", probe, pinned or rank is not None, detail))
        if NEVER_TAG in tags:
            first = store.catalog.body(row.uid).strip().split(". ")[0][:300]
            for probe in dict.fromkeys(p for p in (row.title, first) if p):
                shown = inject(store, probe, row.project, 600).shown
                ok = row.id not in shown
                detail = "not shown" if ok else "shown in the slice for a prompt (it must never be)"
                results.append(CanaryResult(row.id, row.path, "never", probe, ok, detail))
    return results
