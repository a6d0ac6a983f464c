"""Each ranking rule of hybrid recall, on small real vaults (real SQLite, chromadb and model)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.search import Hit, search
from memem.testing import write_note


def ids(hits: list[Hit]) -> list[str]:
    return [h.row.id for h in hits]


def test_hybrid_explains_which_lists_found_each_hit(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Postgres pooling", "Use pgbouncer in transaction mode for connection pooling.", id="pool")
    for i in range(5):  # BM25's IDF needs a few notes that do not match
        write_note(fresh_vault, f"Unrelated {i}", f"The office plants need water on day {i}.", id=f"plants{i}")
    store.reconcile()
    (top, *_) = search(store, Query("connection pooling for postgres"))
    assert top.row.id == "pool"
    assert any(r.startswith("fulltext #1") for r in top.reasons) and any(r.startswith("vector #1") for r in top.reasons)
    assert top.signals["vector"]["cosine"] > 0.3 and top.signals["fulltext"]["bm25"] > 0
    assert "pgbouncer" in top.snippet


def test_vector_finds_paraphrase_that_fulltext_misses(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Tests first", "Write a failing test before fixing a bug.", id="tdd")
    write_note(fresh_vault, "Lunch", "The canteen closes at two.", id="lunch")
    store.reconcile()
    hits = search(store, Query("reproduce the defect with a unit check prior to the repair", mode="hybrid"))
    assert hits[0].row.id == "tdd"
    assert search(store, Query("reproduce the defect with a unit check prior to the repair", mode="fulltext")) == []


def test_deprecated_excluded_unless_asked(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Old rule", "Deploy on Fridays after lunch.", id="old", status="deprecated")
    write_note(fresh_vault, "Other", "Deploy with the release script.", id="cur")
    store.reconcile()
    assert "old" not in ids(search(store, Query("deploy on fridays")))
    assert "old" in ids(search(store, Query("deploy on fridays", include_deprecated=True)))


def test_superseded_note_drops_out_and_successor_takes_its_place(store: IndexStore, fresh_vault: Path) -> None:
    # The old note is still `active` (nobody deprecated it); `supersedes` alone must make the newer win.
    write_note(
        fresh_vault, "Lock with pip-tools", "Lock dependencies with pip-compile.", id="old", created="2025-01-01"
    )
    write_note(
        fresh_vault,
        "Use uv",
        "Python installs go through uv sync.",
        id="new",
        created="2026-10-02",
        supersedes=["[[Lock with pip-tools]]"],
    )
    store.reconcile()
    hits = search(store, Query("lock dependencies with pip-compile"))
    assert ids(hits)[0] == "new"
    assert "old" not in ids(hits)
    assert hits[0].replaces == ("old",)
    assert any("supersedes “Lock with pip-tools”" in r for r in hits[0].reasons)


def test_supersede_chain_goes_to_the_newest(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "V1", "Cache with memcached.", id="v1")
    write_note(fresh_vault, "V2", "Cache with redis.", id="v2", supersedes=["[[V1]]"])
    write_note(fresh_vault, "V3", "Cache with the CDN.", id="v3", supersedes=["[[V2]]"])
    store.reconcile()
    assert ids(search(store, Query("cache with memcached")))[0] == "v3"


def test_layer0_of_the_project_is_always_pinned(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Identity", "The person prefers terse answers.", id="me", layer=0, project="shop")
    write_note(fresh_vault, "Other identity", "Other project style.", id="them", layer=0, project="blog")
    write_note(
        fresh_vault, "Payments", "Stripe webhooks are verified with the signing secret.", id="pay", project="shop"
    )
    store.reconcile()
    hits = search(store, Query("stripe webhook verification", project="shop"))
    assert hits[0].row.id == "me" and hits[0].pinned
    assert "them" not in ids(hits)
    assert ids(hits)[1] == "pay"
    assert not any(h.pinned for h in search(store, Query("stripe webhook verification")))  # no project, no pins


def test_layer3_only_on_explicit_search(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Archive", "In 2019 the build used Travis CI.", id="arch", layer=3)
    store.reconcile()
    assert "arch" in ids(search(store, Query("travis ci build")))
    assert "arch" not in ids(search(store, Query("travis ci build", include_archive=False)))


def test_project_scope_keeps_project_and_global(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Shop lint", "Run ruff before commit.", id="shop", project="shop")
    write_note(fresh_vault, "Blog lint", "Run ruff before commit.", id="blog", project="blog")
    write_note(fresh_vault, "Global lint", "Run ruff before commit.", id="global")
    store.reconcile()
    assert set(ids(search(store, Query("run ruff before commit", project="shop")))) == {"shop", "global"}
    assert set(ids(search(store, Query("run ruff before commit")))) == {"shop", "blog", "global"}


def test_graph_neighbour_joins_with_decayed_score(store: IndexStore, fresh_vault: Path) -> None:
    write_note(
        fresh_vault,
        "Use uv",
        "Python dependencies are installed with uv sync.",
        id="decision",
        supports=["[[Slow CI]]"],
    )
    write_note(fresh_vault, "Slow CI", "Jobs took four minutes in the resolver.", id="why")
    for i in range(3):
        write_note(fresh_vault, f"Filler {i}", f"Gardening tip number {i} about tomatoes.", id=f"f{i}")
    store.reconcile()
    hits = search(store, Query("how are python dependencies installed", mode="fulltext"))
    assert ids(hits)[:2] == ["decision", "why"]
    why = hits[1]
    assert "graph: “Use uv” supports this" in why.reasons
    assert why.score <= hits[0].score * 0.5 + 1e-9


def test_contradictions_are_flagged_not_mixed(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Tabs", "Indent Go code with tabs.", id="tabs", contradicts=["[[Spaces]]"])
    write_note(fresh_vault, "Spaces", "Indent Go code with four spaces.", id="spaces")
    store.reconcile()
    hits = {h.row.id: h for h in search(store, Query("how to indent go code"))}
    assert set(hits) >= {"tabs", "spaces"}
    assert hits["tabs"].tensions == (("spaces", "Spaces"),)
    assert hits["spaces"].tensions == (("tabs", "Tabs"),)
    assert any("flagged for review" in r for r in hits["tabs"].reasons)


def test_importance_and_recency_are_gentle(store: IndexStore, fresh_vault: Path) -> None:
    today = dt.date(2026, 11, 24)
    write_note(fresh_vault, "A", "Retry failed uploads three times with backoff.", id="strong")
    write_note(fresh_vault, "B", "Uploads.", id="weak", importance=5, updated="2026-11-24")
    store.reconcile()
    hits = search(store, Query("retry failed uploads with backoff"), today=today)
    assert ids(hits)[0] == "strong"  # a boost never lifts a poor match over a good one
    weak = next(h for h in hits if h.row.id == "weak")
    assert "importance 5" in weak.reasons


def test_modes(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "X", "kubernetes ingress annotations", id="x")
    store.reconcile()
    for mode in ("hybrid", "fulltext", "vector"):
        assert ids(search(store, Query("kubernetes ingress", mode=mode))) == ["x"]


def test_a_unique_token_finds_its_one_note_first(store: IndexStore, fresh_vault: Path) -> None:
    """An error code or made-up token matches one note exactly; semantic neighbours of a query with no
    meaning to the model must not bury it (plain min-max scaling stretched their flat cosines to 0..1
    and put such a note at rank 3 here, and as low as 17 in a 2,000-note vault)."""
    from benchmarks.synthetic import generate

    generate(fresh_vault, 300)
    store.reconcile()
    notes = sorted((fresh_vault / "memem" / "memories").rglob("*.md"))
    ranks = []
    for i in range(12):
        note = notes[(i * 7919) % len(notes)]
        rel, text, token = note.relative_to(fresh_vault).as_posix(), note.read_text(), f"zqx{i}nonce{i * 7777}"
        note.write_text(text.replace("\n---\n", f"\n---\n{token} ", 1))
        store.sync_paths([rel])
        paths = [h.row.path for h in search(store, Query(token, limit=50))]
        ranks.append(paths.index(rel) + 1 if rel in paths else None)
        note.write_text(text)
        store.sync_paths([rel])
    assert ranks == [1] * 12


def test_normalise_does_not_stretch_a_flat_list() -> None:
    from memem.recall.fusion import normalise

    assert normalise([(1, 0.30), (2, 0.25), (3, 0.20)]) == {1: 1.0, 2: pytest.approx(0.5), 3: 0.0}
    flat = normalise([(1, 0.30), (2, 0.25), (3, 0.20)], min_span=0.2)
    assert flat == {1: pytest.approx(0.5), 2: pytest.approx(0.25), 3: 0.0}
    assert normalise([(7, 0.4)], min_span=0.2) == {7: 1.0}
    assert normalise([]) == {}
