"""The typed-edge graph follows the catalog incrementally and keeps dangling links."""

from __future__ import annotations

import os
from pathlib import Path

from memem.graph.audit import audit
from memem.graph.memory_graph import MemoryGraph
from memem.index.store import IndexStore
from memem.testing import write_note


def uid_of(store: IndexStore, note_id: str) -> int:
    (row,) = store.catalog.by_id(note_id)
    return row.uid


def edge_set(store: IndexStore) -> set[tuple[str, str, str]]:
    names = {r.uid: r.id for r in store.catalog.rows()}
    return {
        (names[e.source], names.get(e.target, str(e.target)) if isinstance(e.target, int) else e.target, e.kind)
        for e in store.graph.edges()
    }


def test_typed_and_body_edges(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "A", "See [[B]] and [[Missing note]].", supports=["[[B]]"], supersedes=["[[C]]"])
    write_note(fresh_vault, "B", depends_on=["[[C|the c note]]"])
    write_note(fresh_vault, "C", contradicts=["[[A]]"])
    store.reconcile()
    assert edge_set(store) == {
        ("a", "b", "supports"), ("a", "c", "supersedes"), ("a", "b", "link"), ("a", "dangling:missing note", "link"),
        ("b", "c", "depends_on"), ("c", "a", "contradicts"),
    }  # fmt: skip
    report = audit(store.graph)
    assert [e.text for e in report.dangling] == ["Missing note"]
    assert report.contradictions == [tuple(sorted((uid_of(store, "a"), uid_of(store, "c"))))]


def test_dangling_link_resolves_when_the_note_appears_and_dangles_again_when_it_goes(
    store: IndexStore, fresh_vault: Path
) -> None:
    write_note(fresh_vault, "A", related=["[[Later]]"])
    store.reconcile()
    assert edge_set(store) == {("a", "dangling:later", "related")}
    later = write_note(fresh_vault, "Later")
    store.sync_paths(["memem/memories/Later.md"])
    assert edge_set(store) == {("a", "later", "related")}
    later.unlink()
    store.sync_paths(["memem/memories/Later.md"])
    assert edge_set(store) == {("a", "dangling:later", "related")}


def test_rename_re_resolves_links_by_name(store: IndexStore, fresh_vault: Path) -> None:
    mem = fresh_vault / "memem" / "memories"
    write_note(fresh_vault, "A", "[[Target]]")
    write_note(fresh_vault, "Target", id="t", title="Target")
    store.reconcile()
    assert ("a", "t", "link") in edge_set(store)
    os.rename(mem / "Target.md", mem / "Renamed.md")
    store.reconcile()
    # the title still says "Target", so the link still resolves (by title)
    assert ("a", "t", "link") in edge_set(store)


def test_links_resolve_by_path_name_alias_title_and_id(store: IndexStore, fresh_vault: Path) -> None:
    write_note(
        fresh_vault, "Deep", folder="memem/memories/sub", id="deep-id", title="Deep Title", aliases=["DeepAlias"]
    )
    write_note(fresh_vault, "Src", "[[memem/memories/sub/Deep]] [[Deep]] [[deepalias]] [[Deep Title]] [[deep-id]]")
    store.reconcile()
    targets = [e.target for e in store.graph.out_edges(uid_of(store, "src"))]
    assert len(targets) == 5 and set(targets) == {uid_of(store, "deep-id")}


def test_duplicate_ids_stay_two_nodes(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "One", id="dup")
    write_note(fresh_vault, "Two", id="dup")
    store.reconcile()
    assert store.graph.note_count() == 2


def test_audit_cycles_orphans_hubs(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "X", supersedes=["[[Y]]"])
    write_note(fresh_vault, "Y", supersedes=["[[X]]"])
    write_note(fresh_vault, "Lonely")
    write_note(fresh_vault, "Hub", "\n".join(f"[[Leaf {i}]]" for i in range(12)))
    for i in range(12):
        write_note(fresh_vault, f"Leaf {i}")
    store.reconcile()
    report = audit(store.graph)
    assert report.supersede_cycles == [sorted([uid_of(store, "x"), uid_of(store, "y")])]
    assert uid_of(store, "lonely") in report.orphans
    assert report.hubs[0] == (uid_of(store, "hub"), 12)


def test_incremental_equals_rebuild(store: IndexStore, fresh_vault: Path) -> None:
    mem = fresh_vault / "memem" / "memories"
    for i in range(8):
        write_note(fresh_vault, f"N{i}", f"[[N{(i + 1) % 8}]] [[Ghost {i % 3}]]", related=[f"[[N{(i + 3) % 8}]]"])
    store.reconcile()
    (mem / "N2.md").unlink()
    os.rename(mem / "N5.md", mem / "Five.md")
    write_note(fresh_vault, "Ghost 1")
    store.reconcile()
    rebuilt = MemoryGraph.from_notes(row.graph_note() for row in store.catalog.rows())
    key = lambda g: sorted((e.source, str(e.target), e.kind, e.text) for e in g.edges())  # noqa: E731
    assert key(store.graph) == key(rebuilt)


def test_doctor_names_a_loop_of_supersedes(store: IndexStore, fresh_vault: Path) -> None:
    """A loop hides a note from recall with nothing said; `memem doctor` names the loop and its fix."""
    from memem.index.health import health

    write_note(fresh_vault, "A", supersedes=["[[B]]"])
    write_note(fresh_vault, "B", supersedes=["[[C]]"])
    write_note(fresh_vault, "C", supersedes=["[[A]]"])
    store.reconcile()
    loops = [p for p in health(store).problems if "supersede one another in a loop" in p.what]
    assert len(loops) == 1 and all(f"'{t}'" in loops[0].what for t in "ABC")
    assert loops[0].severity == "warning" and loops[0].path and "supersedes" in loops[0].fix
