"""What the memory operations return: typed values, each with the JSON shape the edges send.

Services return these rather than dicts, so code that reads a result (an MCP tool rendering markdown,
a CLI command printing a line) is checked by the type checker, and the JSON the daemon's API answers
(the CLI, the miner and the Obsidian plugin read it) is written in one place per value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from memem.index.catalog import Row
from memem.vault.injection import addressed_to_model
from memem.vault.secrets import redact

TITLE_WITHHELD = "(title withheld: it is addressed to a model; see `memem doctor`)"


def shown_title(row: Row) -> str:
    """The title as memem shows it: a title that itself speaks to the model is not repeated to one, nor a
    secret in it (the note stays listed). Only a withheld note's title can hold either: others cost no check."""
    if not row.withheld:
        return row.title
    return TITLE_WITHHELD if addressed_to_model(row.title) else redact(row.title)


@dataclass(frozen=True)
class Summary:
    """A memory's properties, as every listing shows it."""

    id: str
    title: str
    path: str
    project: str | None
    layer: int
    kind: str
    status: str
    importance: int
    tags: tuple[str, ...]
    created: str | None
    updated: str | None
    reviewed: str | None
    valid_to: str | None
    source_type: str | None
    source_session: str | None
    team: str | None = None  # the team vault it comes from; None: the person's own

    @classmethod
    def of(cls, row: Row) -> Summary:
        return cls(
            row.id, shown_title(row), row.path, row.project, row.layer, row.kind, row.status, row.importance, row.tags,
            row.created, row.updated, row.reviewed, row.valid_to, row.source_type, row.source_session, row.team,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class Memory:
    """A memory in full: its properties, its text, its links, and a warning when its text speaks to a model."""

    summary: Summary
    content: str
    links: tuple[tuple[str, str], ...]  # (kind, target as written)
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = self.summary.to_json()
        data["content"] = self.content
        data["links"] = [{"kind": kind, "target": target} for kind, target in self.links]
        if self.warning:
            data["warning"] = self.warning
        return data


GLOBAL_LABEL = "(global)"
"""How a listing names the memories of no project; no project may be called that."""


@dataclass(frozen=True)
class Listing:
    counts: dict[str, tuple[int, int]]  # project (GLOBAL_LABEL for global notes) -> (active, deprecated)
    notes: tuple[Summary, ...]
    total: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {
            "projects": {p: {"active": a, "deprecated": d} for p, (a, d) in self.counts.items()},
            "notes": [n.to_json() for n in self.notes],
            "total": self.total,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class Edge:
    """One typed link of a memory, seen from it: outgoing or incoming, to a memory or dangling."""

    direction: str  # "out" or "in"
    kind: str
    link: str  # the target as written
    other: Summary | None  # None: the link names no memory

    @property
    def dangling(self) -> bool:
        return self.other is None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"direction": self.direction, "kind": self.kind, "link": self.link}
        data["dangling"] = self.dangling
        if self.other is not None:
            data.update(id=self.other.id, title=self.other.title, status=self.other.status)
        return data


@dataclass(frozen=True)
class Neighbours:
    note: Summary
    edges: tuple[Edge, ...]

    def to_json(self) -> dict[str, Any]:
        return {"note": self.note.to_json(), "edges": [e.to_json() for e in self.edges]}


@dataclass(frozen=True)
class Timeline:
    """A memory's thread: what it replaced, what replaced it, its links, its project's notes around it."""

    note: Summary
    supersedes: tuple[Summary, ...]
    superseded_by: tuple[Summary, ...]
    edges: tuple[Edge, ...]
    before: tuple[Summary, ...]
    after: tuple[Summary, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "note": self.note.to_json(),
            "supersedes": [n.to_json() for n in self.supersedes],
            "superseded_by": [n.to_json() for n in self.superseded_by],
            "neighbors": [e.to_json() for e in self.edges],
            "project_before": [n.to_json() for n in self.before],
            "project_after": [n.to_json() for n in self.after],
        }


@dataclass(frozen=True)
class Ref:
    """A memory named in an audit (a uid the catalog no longer knows shows as its number)."""

    id: str
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title}


@dataclass(frozen=True)
class Audit:
    notes: int
    edges: int
    dangling: tuple[tuple[Ref, str, str], ...]  # (from, kind, link as written)
    orphans: tuple[Ref, ...]
    hubs: tuple[tuple[Ref, int], ...]  # (memory, degree), busiest first
    supersede_cycles: tuple[tuple[Ref, ...], ...]
    contradictions: tuple[tuple[Ref, Ref], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "notes": self.notes,
            "edges": self.edges,
            "dangling": [{"from": r.to_json(), "kind": kind, "link": link} for r, kind, link in self.dangling],
            "orphans": [r.to_json() for r in self.orphans],
            "hubs": [{**r.to_json(), "degree": degree} for r, degree in self.hubs],
            "supersede_cycles": [[r.to_json() for r in cycle] for cycle in self.supersede_cycles],
            "contradictions": [[a.to_json(), b.to_json()] for a, b in self.contradictions],
        }


@dataclass(frozen=True)
class Deprecation:
    deprecated: Summary
    successor: Summary | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"deprecated": self.deprecated.to_json()}
        if self.successor is not None:
            data["successor"] = self.successor.to_json()
        return data


@dataclass(frozen=True)
class LinkChange:
    source: str
    target: str
    kind: str
    removed: bool  # the request was to remove the link (else to add it)
    changed: bool  # whether the note changed (the link was there to remove / missing to add)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "target": self.target, "kind": self.kind}
        data["removed" if self.removed else "added"] = self.changed
        return data


@dataclass(frozen=True)
class Saved:
    id: str
    path: str
    title: str
    kind: str
    layer: int
    project: str | None
    duplicate_of: str | None = None  # set when nothing was written because it already exists
    quarantined: str | None = None  # why, when it went to the quarantine folder instead of the memories

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def shown_path(path: object) -> str:
    """A path as an answer or a log shows it: a secret in a file's name (`notes/ghp_….md`) redacted,
    as every other text memem prints is; the rest of the path is kept, to say which file."""
    return redact(str(path))


@dataclass(frozen=True)
class ImportReport:
    imported: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    quarantined: list[dict[str, str]] = field(default_factory=list)

    def skip(self, path: object, reason: str) -> None:
        self.skipped.append({"path": shown_path(path), "reason": redact(reason)})

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "quarantined": self.quarantined,
            "counts": {"imported": len(self.imported), "skipped": len(self.skipped)},
        }
