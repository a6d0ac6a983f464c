"""The typed-edge graph of memories, kept in step with the catalog one note at a time.

Nodes are catalog uids (so two notes sharing an id stay two nodes). An edge is one link a note
makes: its kind (`related`, `supports`, `depends_on`, `supersedes`, `contradicts`, or `link` for a
body wikilink) and the target text as written. A target that names no note is kept as a dangling
node, so the link is neither lost nor silently dropped, and resolves by itself when a note of that
name appears.

Names resolve the way Obsidian resolves them, then a little more leniently: a vault path, a file
name, an alias, then a title or id (what a person or the miner may have typed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from memem.vault.note import TypedLink

DANGLING = "dangling"


def _key(name: str) -> str:
    return name.strip().lower().removesuffix(".md")


def _edge_key(kind: str, text: str) -> str:
    """One edge per link kind and link text: `[[A]]` and `[[A alias]]` to the same note are two links."""
    return f"{kind}|{_key(text)}"


@dataclass(frozen=True)
class GraphNote:
    """What the graph needs of a note: its names, a few properties recall filters on, its links.

    A value of the graph's own rather than the catalog's note, so the graph sits below the indexes
    (the catalog builds one per note) and can be fed from anywhere a note is known.
    """

    uid: int
    id: str
    title: str
    path: str
    status: str
    project: str | None
    layer: int
    created: str | None
    updated: str | None
    aliases: tuple[str, ...]
    links: tuple[TypedLink, ...]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")


@dataclass(frozen=True)
class Edge:
    source: int
    target: int | str  # uid, or a dangling node name
    kind: str
    text: str  # the link target as written


class MemoryGraph:
    def __init__(self) -> None:
        self.g: Any = nx.MultiDiGraph()
        # name -> {uid: rank}; a lower rank wins (path < file name < alias < title < id).
        self._names: dict[str, dict[int, int]] = {}
        self._names_of: dict[int, list[str]] = {}

    @classmethod
    def from_notes(cls, notes: Iterable[GraphNote]) -> MemoryGraph:
        graph = cls()
        notes = list(notes)
        for note in notes:
            graph._add_node(note)
        for note in notes:
            graph._add_out_edges(note)
        return graph

    # --- names -------------------------------------------------------------------------------------
    def _node_names(self, note: GraphNote) -> list[tuple[str, int]]:
        names = [(_key(note.path), 0), (_key(note.name), 1)]
        names += [(_key(a), 2) for a in note.aliases]
        names += [(_key(note.title), 3), (_key(note.id), 4)]
        return [(n, r) for n, r in names if n]

    def resolve(self, target: str) -> int | None:
        candidates = self._names.get(_key(target))
        if not candidates:
            return None
        return min(candidates.items(), key=lambda item: (item[1], len(self.g.nodes[item[0]]["path"]), item[0]))[0]

    def _add_node(self, note: GraphNote) -> None:
        self.g.add_node(
            note.uid, id=note.id, title=note.title, path=note.path, status=note.status, project=note.project,
            layer=note.layer, created=note.created, updated=note.updated,
        )  # fmt: skip
        names = self._node_names(note)
        for name, rank in names:
            bucket = self._names.setdefault(name, {})
            bucket[note.uid] = min(rank, bucket.get(note.uid, rank))
        self._names_of[note.uid] = [n for n, _ in names]

    def _drop_names(self, uid: int) -> list[str]:
        dropped = self._names_of.pop(uid, [])
        for name in dropped:
            bucket = self._names.get(name)
            if bucket is not None:
                bucket.pop(uid, None)
                if not bucket:
                    del self._names[name]
        return dropped

    # --- edges -------------------------------------------------------------------------------------
    def _target_node(self, text: str) -> int | str:
        uid = self.resolve(text)
        if uid is not None:
            return uid
        node = f"{DANGLING}:{_key(text)}"
        if node not in self.g:
            self.g.add_node(node, dangling=True, target=text.strip())
        return node

    def _add_out_edges(self, note: GraphNote) -> None:
        for typed in note.links:
            if not typed.link.target:
                continue  # a same-note heading link ([[#heading]]) is not an edge
            target = self._target_node(typed.link.target)
            if target == note.uid:
                continue  # a note linking to itself says nothing
            self.g.add_edge(
                note.uid, target, key=_edge_key(typed.kind, typed.link.target), kind=typed.kind, text=typed.link.target
            )

    def _prune_dangling(self, nodes: Iterable[Any]) -> None:
        for node in list(nodes):
            if isinstance(node, str) and node in self.g and self.g.in_degree(node) == 0:
                self.g.remove_node(node)

    def _reresolve(self, edges: list[tuple[Any, Any, str, dict[str, Any]]]) -> None:
        """Point the given edges at whatever their target text resolves to now."""
        touched = set()
        for source, target, key, data in edges:
            if self.g.has_edge(source, target, key):
                self.g.remove_edge(source, target, key)
            touched.add(target)
            new_target = self._target_node(data["text"])
            if new_target != source:
                self.g.add_edge(source, new_target, key=key, **data)
        self._prune_dangling(touched)

    # --- updates -----------------------------------------------------------------------------------
    def upsert(self, note: GraphNote) -> None:
        old_names = set(self._drop_names(note.uid)) if note.uid in self.g else set()
        if note.uid in self.g:
            old_targets = {t for _, t in self.g.out_edges(note.uid)}
            self.g.remove_edges_from(list(self.g.out_edges(note.uid, keys=True)))
            self._prune_dangling(old_targets)
        self._add_node(note)
        new_names = set(self._names_of[note.uid])
        # Links that named one of this note's old names may now resolve elsewhere (or dangle).
        lost = old_names - new_names
        if lost:
            incoming = [e for e in self.g.in_edges(note.uid, keys=True, data=True) if _key(e[3]["text"]) in lost]
            self._reresolve(incoming)
        # Dangling links (and links to weaker matches) that one of the new names now satisfies.
        gained = new_names - old_names
        if gained:
            stale = []
            for name in gained:
                node = f"{DANGLING}:{name}"
                if node in self.g:
                    stale.extend(self.g.in_edges(node, keys=True, data=True))
                for uid in self._names.get(name, {}):
                    if uid != note.uid:
                        stale.extend(
                            e for e in self.g.in_edges(uid, keys=True, data=True) if _key(e[3]["text"]) == name
                        )
            self._reresolve(stale)
        self._add_out_edges(note)

    def remove(self, uid: int) -> None:
        if uid not in self.g:
            return
        incoming = [e for e in self.g.in_edges(uid, keys=True, data=True) if e[0] != uid]
        targets = {t for _, t in self.g.out_edges(uid)}
        self._drop_names(uid)
        self.g.remove_node(uid)
        self._prune_dangling(targets)
        for source, _target, key, data in incoming:
            new_target = self._target_node(data["text"])
            if new_target != source:
                self.g.add_edge(source, new_target, key=key, **data)

    # --- queries -----------------------------------------------------------------------------------
    def edges(self) -> list[Edge]:
        return [Edge(s, t, d["kind"], d["text"]) for s, t, d in self.g.edges(data=True)]

    def out_edges(self, uid: int, kinds: Iterable[str] | None = None) -> list[Edge]:
        wanted = set(kinds) if kinds is not None else None
        if uid not in self.g:
            return []
        return [
            Edge(s, t, d["kind"], d["text"])
            for s, t, d in self.g.out_edges(uid, data=True)
            if wanted is None or d["kind"] in wanted
        ]

    def in_edges(self, uid: int, kinds: Iterable[str] | None = None) -> list[Edge]:
        wanted = set(kinds) if kinds is not None else None
        if uid not in self.g:
            return []
        return [
            Edge(s, t, d["kind"], d["text"])
            for s, t, d in self.g.in_edges(uid, data=True)
            if wanted is None or d["kind"] in wanted
        ]

    def note_count(self) -> int:
        return sum(1 for n in self.g.nodes if isinstance(n, int))

    def dangling(self) -> list[Edge]:
        return [e for e in self.edges() if isinstance(e.target, str)]
