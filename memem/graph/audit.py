"""Health of the memory graph: what a person curating the vault should look at."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from memem.graph.memory_graph import Edge, MemoryGraph


@dataclass(frozen=True)
class GraphAudit:
    notes: int
    edges: int
    dangling: list[Edge] = field(default_factory=list)
    orphans: list[int] = field(default_factory=list)
    hubs: list[tuple[int, int]] = field(default_factory=list)  # (uid, degree), busiest first
    supersede_cycles: list[list[int]] = field(default_factory=list)
    contradictions: list[tuple[int, int]] = field(default_factory=list)  # unresolved, active pairs


def audit(graph: MemoryGraph, hub_min_degree: int = 10, max_cycles: int = 50) -> GraphAudit:
    g = graph.g
    notes = [n for n in g.nodes if isinstance(n, int)]
    orphans = sorted(n for n in notes if g.degree(n) == 0)
    degrees = sorted(((n, g.degree(n)) for n in notes), key=lambda item: (-item[1], item[0]))
    hubs = [(n, d) for n, d in degrees if d >= hub_min_degree][:20]

    supersedes = nx.DiGraph()
    supersedes.add_edges_from(
        (s, t) for s, t, kind in g.edges(data="kind") if kind == "supersedes" and isinstance(t, int)
    )
    cycles: list[list[int]] = []
    for cycle in nx.simple_cycles(supersedes):
        cycles.append(sorted(cycle))
        if len(cycles) >= max_cycles:
            break

    settled = {
        frozenset((s, t)) for s, t, kind in g.edges(data="kind") if kind == "consistent_with" and isinstance(t, int)
    }
    pairs: set[tuple[int, int]] = set()
    for s, t, kind in g.edges(data="kind"):
        if kind != "contradicts" or not isinstance(t, int) or frozenset((s, t)) in settled:
            continue
        if g.nodes[s].get("status") == "deprecated" or g.nodes[t].get("status") == "deprecated":
            continue  # one side already retired: resolved
        pairs.add((min(s, t), max(s, t)))
    return GraphAudit(
        notes=len(notes),
        edges=g.number_of_edges(),
        dangling=graph.dangling(),
        orphans=orphans,
        hubs=hubs,
        supersede_cycles=sorted(cycles),
        contradictions=sorted(pairs),
    )
