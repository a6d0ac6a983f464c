"""What the typed-edge graph adds to a ranking: neighbours, successors and tensions.

- Neighbours of strong hits along `supports`, `depends_on` and `related` (either direction) join the
  results with a decayed score: a decision brings the failure that motivated it.
- `supersedes`: the newest active successor takes its predecessor's place; the older note drops out.
- `contradicts`: both sides stay, each flagged with the other, for the person or the model to weigh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from memem.graph.memory_graph import MemoryGraph

NEIGHBOUR_KINDS = ("supports", "depends_on", "related")
NEIGHBOUR_DECAY = 0.5
STRONG_HITS = 5


@dataclass
class Candidate:
    uid: int
    score: float
    reasons: list[str] = field(default_factory=list)
    tensions: list[int] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)  # older notes this one stands in for


def add_neighbours(
    graph: MemoryGraph, found: dict[int, Candidate], allowed: Callable[[int], bool], title: Callable[[int], str]
) -> None:
    strong = sorted(found.values(), key=lambda c: -c.score)[:STRONG_HITS]
    for hit in strong:
        name = title(hit.uid)
        edges = [
            (e.target, f"graph: “{name}” {e.kind.replace('_', ' ')} this")
            for e in graph.out_edges(hit.uid, NEIGHBOUR_KINDS)
        ]
        edges += [
            (e.source, f"graph: this {e.kind.replace('_', ' ')} “{name}”")
            for e in graph.in_edges(hit.uid, NEIGHBOUR_KINDS)
        ]
        for other, reason in edges:
            if not isinstance(other, int) or other == hit.uid or not allowed(other):
                continue
            score = hit.score * NEIGHBOUR_DECAY
            current = found.get(other)
            if current is None:
                found[other] = Candidate(other, score, [reason])
            elif score > current.score:
                current.score = score
                current.reasons.append(reason)


def newest_successor(graph: MemoryGraph, uid: int, allowed: Callable[[int], bool]) -> int | None:
    """Follow `supersedes` edges pointing at `uid` to the newest allowed note (cycle-safe)."""
    seen = {uid}
    current, best = uid, None
    while True:
        successors = [e.source for e in graph.in_edges(current, ["supersedes"]) if e.source not in seen]
        if not successors:
            return best
        current = max(
            successors, key=lambda s: (graph.g.nodes[s].get("updated") or graph.g.nodes[s].get("created") or "", s)
        )
        seen.add(current)
        if allowed(current):
            best = current


def apply_supersedes(
    graph: MemoryGraph, found: dict[int, Candidate], allowed: Callable[[int], bool], title: Callable[[int], str]
) -> None:
    for uid in list(found):
        if uid not in found:
            continue
        successor = newest_successor(graph, uid, allowed)
        if successor is None:
            continue
        old = found.pop(uid)
        reason = f"supersedes “{title(uid)}”"
        current = found.get(successor)
        if current is None:
            found[successor] = Candidate(successor, old.score, [*old.reasons, reason], replaced=[uid])
        else:
            current.score = max(current.score, old.score)
            current.reasons.append(reason)
            current.replaced.append(uid)


def flag_tensions(graph: MemoryGraph, found: dict[int, Candidate], active: Callable[[int], bool]) -> None:
    for hit in found.values():
        others = [e.target for e in graph.out_edges(hit.uid, ["contradicts"])]
        others += [e.source for e in graph.in_edges(hit.uid, ["contradicts"])]
        settled = {e.target for e in graph.out_edges(hit.uid, ["consistent_with"])}
        settled |= {e.source for e in graph.in_edges(hit.uid, ["consistent_with"])}
        for other in others:
            if other in settled:
                continue  # a person reviewed this pair and kept both
            if isinstance(other, int) and other != hit.uid and active(other) and other not in hit.tensions:
                hit.tensions.append(other)
