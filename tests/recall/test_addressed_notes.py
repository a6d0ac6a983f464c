"""A note that holds text addressed to a model is never carried into a prompt, whoever wrote it.

memem's own writes refuse such text (tests/memory/test_screen.py, tests/e2e/test_screens_on_every_path.py),
but a vault is edited by more than memem: Obsidian, a sync, a team's `git pull`. Here every injection
text of the corpus is written straight into the vault, next to the ordinary imperative memories of the
benign corpus, and recall is asked for each by its own words: through search, the prompt's slice, the
pinned notes, the hooks' catalog fallback. The injected ones must never come back (and doctor must name
them); the benign ones must (else the test could pass by recalling nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from memem.config import Paths
from memem.hooks.fallback import keyword_slice, pinned_slice
from memem.index.embeddings import EmbedderChoice
from memem.index.health import health
from memem.index.store import IndexStore
from memem.recall.inject import inject
from memem.recall.query import Query
from memem.recall.search import pinned_hits, search
from memem.testing import CountingEmbedder, write_note
from tests.memory.security_corpus import INJECTIONS, SAFE


def words(n: int, kind: str) -> tuple[str, str]:
    """A title and a first sentence that only note `n` of its kind has (what a prompt would ask by)."""
    code = f"{kind[:3]}{n:03d}x"  # one word no other note has
    return f"{kind} step {code}", f"{kind.capitalize()} step {code} for the shop: run make {code}."


@pytest.fixture
def vault(store: IndexStore, fresh_vault: Path) -> IndexStore:
    for n, text in enumerate(INJECTIONS):
        title, first = words(n, "deploy")
        write_note(fresh_vault, f"inj {n}", f"{first}\n\n{text}", id=f"inj-{n}", title=title, project="shop")
    for n, text in enumerate(SAFE):
        title, first = words(n, "release")
        write_note(fresh_vault, f"safe {n}", f"{first}\n\n{text}", id=f"safe-{n}", title=title, project="shop")
    write_note(fresh_vault, "pinned inj", f"I work on the shop. {INJECTIONS[0]}", id="pinned-inj", layer=0,
               project="shop")  # fmt: skip
    write_note(fresh_vault, "pinned ok", "I work on the shop's backend in Python.", id="pinned-ok", layer=0,
               project="shop")  # fmt: skip
    store.reconcile()
    return store


def test_injected_text_in_the_vault_is_never_recalled_and_ordinary_memories_are(vault: IndexStore) -> None:
    store = vault
    leaked, missed = [], []
    for n, text in enumerate(INJECTIONS):
        title, first = words(n, "deploy")
        found = [h.id for h in search(store, Query(f"{title}: {text}", project="shop", rerank=0))]
        shown = inject(store, f"How do I do {title}? {first}", "shop", 2000).shown
        fallback = keyword_slice(store.paths, f"How do I do {title}? {first}", "shop", 2000)
        if f"inj-{n}" in found or f"inj-{n}" in shown or f"inj-{n}`" in fallback or title in fallback:
            leaked.append(text)
    for n, text in enumerate(SAFE):
        title, _ = words(n, "release")
        if store.catalog.by_id(f"safe-{n}")[0].addressed or f"safe-{n}" not in [
            h.id for h in search(store, Query(f"{title}: {text}", project="shop", rerank=0))
        ]:
            missed.append(SAFE[n])
    print(f"addressed notes: {len(leaked)} of {len(INJECTIONS)} recalled; benign {len(missed)} of {len(SAFE)} missed")
    assert not leaked
    assert not missed
    # Nor by any broad search that would otherwise list them all.
    assert not [
        h.id for h in search(store, Query("deploy step shop make", project="shop", limit=50)) if h.id.startswith("inj-")
    ]

    # Pinned notes (session start, daemon and fallback alike): the addressed one is left out.
    assert [h.id for h in pinned_hits(store, "shop")] == ["pinned-ok"]
    briefing = pinned_slice(store.paths, "shop", 2000)
    assert "pinned-ok" in briefing and "pinned-inj" not in briefing and "id_rsa" not in briefing

    # Doctor names each, with what was found and where, never the text itself.
    named = [p for p in health(store).problems if "addressed to a model" in p.what]
    assert len(named) == len(INJECTIONS) + 1
    assert all(p.path and p.path.startswith("memem/memories/") for p in named)
    assert not any(text in p.what for p in named for text in INJECTIONS)


def test_a_catalog_indexed_before_the_check_is_read_again_without_re_embedding(
    paths: Paths, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    write_note(fresh_vault, "inj", f"Deploy with make deploy. {INJECTIONS[1]}", id="inj", project="shop")
    store = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    store.reconcile()
    assert store.catalog.by_id("inj")[0].addressed
    # As an earlier memem left it: no mark, and the catalog says it checked less.
    with store.catalog.transaction() as conn:
        conn.execute("UPDATE notes SET warnings='[]'")
        store.catalog.set_meta(conn, "note_checks", "1")
    store.close()
    embedded = len(embedder.texts)

    store = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    try:
        assert not store.catalog.by_id("inj")[0].addressed
        report = store.reconcile()
        assert report.updated == 1 and store.catalog.by_id("inj")[0].addressed
        assert len(embedder.texts) == embedded  # the text did not change: its vector stays
        assert inject(store, "how do I deploy with make deploy?", "shop", 2000).shown == ()
    finally:
        store.close()
