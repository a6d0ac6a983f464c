"""The indexes are derived from the vault, and come back from whatever happens to them: vectors
deleted, a catalog damaged or built again, a command run once under another embedder, a process
killed between a row and its vector's metadata. Real chromadb, real SQLite, the real MiniLM."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.health import health
from memem.index.store import METADATA_PENDING, IndexStore
from memem.index.vectors import collection_name
from memem.recall.candidates import note_vector
from memem.testing import CountingEmbedder, write_note

TOPICS = [
    ("Deploys", "Deploys go out through the release script on Tuesdays."),
    ("Postgres port", "The staging Postgres listens on port 5433."),
    ("Feature flags", "Feature flags live in LaunchDarkly, never in environment variables."),
    ("Mail", "Customer emails go through Postmark; the app never sends mail itself."),
    ("Jobs", "Every background job must be idempotent: the queue delivers at least once."),
]


def plant(vault: Path) -> None:
    for n, (title, body) in enumerate(TOPICS):
        write_note(vault, title, body, id=f"topic-{n}", title=title)


def opened(paths: Paths, embedder: object) -> IndexStore:
    return IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]


def top(store: IndexStore, text: str) -> str | None:
    hits = store.vector_query(note_vector(store, text), 3)
    rows = store.catalog.by_uid([h.uid for h in hits])
    return rows[hits[0].uid].id if hits else None


@pytest.fixture
def built(paths: Paths, fresh_vault: Path, embedder: CountingEmbedder) -> Paths:
    plant(fresh_vault)
    store = opened(paths, embedder)
    store.reconcile()
    assert store.vectors.count() == len(TOPICS)
    store.close()
    embedder.texts.clear()
    return paths


def test_vectors_deleted_with_their_folder_are_embedded_again(built: Paths, embedder: CountingEmbedder) -> None:
    shutil.rmtree(built.chroma_dir)
    SharedSystemClient.clear_system_cache()  # as a new process finds it: chromadb keeps one client per path
    store = opened(built, embedder)
    try:
        assert top(store, "which port does staging postgres use") is None  # none left, none trusted
        embedder.texts.clear()
        store.reconcile()  # was: "5 unchanged, 0 embedded", and no vector search for good
        assert store.vectors.count() == len(TOPICS) and len(embedder.texts) == len(TOPICS)
        assert top(store, "which port does staging postgres use") == "topic-1"
    finally:
        store.close()


@pytest.mark.parametrize("damage", ["cut short", "garbage inside"])
def test_a_damaged_catalog_is_set_aside_and_built_again(built: Paths, embedder: CountingEmbedder, damage: str) -> None:
    db = built.catalog_db
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = db.stat().st_size // 4096
    assert pages > 3
    with db.open("r+b") as handle:
        if damage == "cut short":  # after its first page: its header still counts them all
            handle.truncate(4096)
        else:  # pages of garbage inside, its length as it was
            handle.seek(2 * 4096)
            handle.write(bytes(range(256)) * 16 * (pages - 3))
    store = opened(built, embedder)  # was: "database disk image is malformed" from every command
    try:
        store.reconcile()
        assert store.catalog.count() == len(TOPICS)
        assert top(store, "how are customer emails sent") == "topic-3"
        assert not [t for t in embedder.texts if "\n" in t]  # the kept vectors serve the notes of their text
        kept = [p for p in db.parent.glob("catalog.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
        assert len(kept) == 1  # set aside, never deleted
        said = [p["what"] for p in health(store).as_dict()["problems"]]
        assert any("catalog.sqlite3 was damaged" in w and "built again from the vault" in w for w in said)
    finally:
        store.close()


def test_a_command_under_another_embedder_costs_the_model_s_vectors_nothing(
    built: Paths, embedder: CountingEmbedder
) -> None:
    hashed = opened(built, HashEmbedder())  # `MEMEM_EMBEDDER=hash memem status`, or a model that failed to load
    hashed.reconcile()
    hashed.close()
    store = opened(built, embedder)
    try:
        assert store.catalog.pending_vectors() == []  # the model's vectors were kept, and trusted again
        store.reconcile()
        assert embedder.texts == []  # was: every note embedded again
        assert top(store, "where do feature flags live") == "topic-2"
        names = {c.name for c in store.vectors.client.list_collections()}
        assert names == {collection_name(embedder.name)}  # the fallback's own vectors, cheap to make, dropped
    finally:
        store.close()


def test_a_catalog_built_anew_never_lends_one_note_s_vector_to_another(
    built: Paths, embedder: CountingEmbedder, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{built.catalog_db}{suffix}").unlink(missing_ok=True)
    write_note(fresh_vault, "aaa/First", "A note that sorts first, so every uid moves by one.", id="first")
    store = opened(built, embedder)
    try:
        monkeypatch.setattr(store, "embed_pending", lambda progress=None: 0)
        store.reconcile()  # rows with new uids, vectors not yet made again: the old ones name other notes
        assert top(store, TOPICS[4][1]) in (None, "topic-4")  # was: another note, at the top score
        monkeypatch.undo()
        store.reconcile()
        assert top(store, TOPICS[4][1]) == "topic-4" and top(store, TOPICS[1][1]) == "topic-1"
    finally:
        store.close()


def test_a_kill_between_a_row_and_its_vector_metadata_is_finished_at_the_next_reconcile(
    built: Paths, embedder: CountingEmbedder, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened(built, embedder)
    note = fresh_vault / "memem" / "memories" / "Deploys.md"
    note.write_text(note.read_text().replace("---\n\n", "status: deprecated\n---\n\n", 1))

    def killed(rows: object) -> None:
        raise KeyboardInterrupt  # as a SIGKILL would leave it: the rows committed, the metadata not written

    monkeypatch.setattr(store.vectors, "update_metadata", killed)
    with pytest.raises(KeyboardInterrupt):
        store.sync_paths(["memem/memories/Deploys.md"])
    uid = store.catalog.by_id("topic-0")[0].uid
    assert store.catalog.get_meta(METADATA_PENDING) == f"[{uid}]"
    store.close()
    store = opened(built, embedder)
    try:
        store.reconcile()
        (meta,) = store.vectors.collection.get(ids=[str(uid)], include=["metadatas"])["metadatas"] or []
        assert meta["status"] == "deprecated" and store.catalog.get_meta(METADATA_PENDING) is None
        assert embedder.texts == []  # its text did not change: nothing embedded again
    finally:
        store.close()


def test_vectors_trusted_again_on_a_switch_back_carry_the_notes_project_as_it_is_now(
    built: Paths, embedder: CountingEmbedder, fresh_vault: Path
) -> None:
    """Under the hash fallback a note moved to another project (its text unchanged); back on MiniLM its
    kept vector must say the new project, which vector search filters on inside chromadb."""
    hashed = opened(built, HashEmbedder())
    hashed.reconcile()
    note = fresh_vault / "memem" / "memories" / "Mail.md"
    note.write_text(note.read_text().replace("---\n\n", "project: shop\n---\n\n", 1))
    hashed.reconcile()
    hashed.close()
    store = opened(built, embedder)
    try:
        uid = store.catalog.by_id("topic-3")[0].uid
        assert store.catalog.fresh_of([uid]) == {uid}  # trusted again: its text is the same
        (meta,) = store.vectors.collection.get(ids=[str(uid)], include=["metadatas"])["metadatas"] or []
        assert meta["project"] == "shop"
    finally:
        store.close()
