"""The index store against real SQLite, chromadb and the model, on a temp vault."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.store import IndexStore
from memem.recall.search import Query, search
from memem.testing import CountingEmbedder, write_note
from memem.vault import writer
from memem.vault.frontmatter import edit_keys
from tests.unreadable import without_root_reads


def ids(store: IndexStore) -> set[str]:
    return {r.id for r in store.catalog.rows()}


def assert_consistent(store: IndexStore) -> None:
    """Catalog, full text, vectors and graph all hold exactly the same notes."""
    uids = store.catalog.uids()
    fts = {r[0] for r in store.catalog.conn.execute("SELECT rowid FROM notes_fts")}
    assert fts == uids
    assert store.vectors.ids() == uids
    assert {n for n in store.graph.g.nodes if isinstance(n, int)} == uids
    assert store.catalog.pending_vectors() == []


def test_full_index_then_no_change(store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder) -> None:
    for i in range(5):
        write_note(fresh_vault, f"Note {i}", f"Body number {i}", title=f"Note {i}")
    first = store.reconcile()
    assert (first.added, first.embedded) == (5, 5)
    assert_consistent(store)
    embedder.texts.clear()
    again = store.reconcile()
    assert (again.changed, again.unchanged, again.embedded) == (0, 5, 0)
    assert embedder.texts == []


def test_only_changed_text_is_re_embedded(store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder) -> None:
    a = write_note(fresh_vault, "A", "alpha body", title="A")
    b = write_note(fresh_vault, "B", "beta body", title="B")
    store.reconcile()
    embedder.texts.clear()
    # a property edit: row updated, vector kept (metadata refreshed)
    a.write_text(a.read_text().replace("title: A", "title: A\nstatus: deprecated"))
    # a body edit: re-embedded
    b.write_text(b.read_text().replace("beta body", "beta body, edited"))
    report = store.reconcile()
    assert report.updated == 2
    assert embedder.texts == ["B\nbeta body, edited"]
    assert store.catalog.by_path("memem/memories/A.md").status == "deprecated"  # type: ignore[union-attr]
    hits = search(store, Query("alpha"))
    assert "a" not in {h.row.id for h in hits}  # deprecated notes leave search (vector metadata too)
    assert_consistent(store)


def test_rename_and_folder_move_keep_vectors(store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder) -> None:
    mem = fresh_vault / "memem" / "memories"
    write_note(fresh_vault, "Old name", "renamed body", title="A titled note")
    write_note(fresh_vault, "x", "folder body", folder="memem/memories/folder")
    store.reconcile()
    uid_before = {r.id: r.uid for r in store.catalog.rows()}
    embedder.texts.clear()
    os.rename(mem / "Old name.md", mem / "New name.md")
    shutil.move(str(mem / "folder"), str(mem / "moved" / "folder2"))
    report = store.reconcile()
    assert (report.moved, report.added, report.deleted, report.embedded) == (2, 0, 0, 0)
    assert embedder.texts == []
    assert {r.id: r.uid for r in store.catalog.rows()} == uid_before
    assert store.catalog.by_path("memem/memories/moved/folder2/x.md") is not None
    assert_consistent(store)


def test_renaming_an_untitled_note_changes_its_title(
    store: IndexStore, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    """Without a `title` property the file name is the title (as in Obsidian), so it is re-embedded."""
    mem = fresh_vault / "memem" / "memories"
    write_note(fresh_vault, "Old name", "body")
    store.reconcile()
    uid = store.catalog.rows()[0].uid
    embedder.texts.clear()
    os.rename(mem / "Old name.md", mem / "New name.md")
    report = store.reconcile()
    assert (report.moved, report.embedded) == (1, 1)
    assert embedder.texts == ["New name\nbody"]
    assert store.catalog.rows()[0].uid == uid
    assert_consistent(store)


def test_delete_leaves_every_index(store: IndexStore, fresh_vault: Path) -> None:
    p = write_note(fresh_vault, "Gone", "soon deleted unique-word-xyzzy")
    write_note(fresh_vault, "Stays", "kept")
    store.reconcile()
    p.unlink()
    assert store.reconcile().deleted == 1
    assert ids(store) == {"stays"}
    assert search(store, Query("xyzzy")) == [] or all(h.row.id != "gone" for h in search(store, Query("xyzzy")))
    assert_consistent(store)


def test_duplicate_ids_are_both_indexed_and_reported(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "One", "first copy about kumquats", id="same")
    write_note(fresh_vault, "Two", "second copy about kumquats", id="same")
    store.reconcile()
    assert len(store.catalog.by_id("same")) == 2
    assert store.catalog.duplicate_ids() == {"same": ["memem/memories/One.md", "memem/memories/Two.md"]}
    assert {h.row.path for h in search(store, Query("kumquats"))} == {"memem/memories/One.md", "memem/memories/Two.md"}
    assert_consistent(store)


def test_bad_notes_are_reported_untouched_and_the_rest_indexed(store: IndexStore, fresh_vault: Path) -> None:
    mem = fresh_vault / "memem" / "memories"
    corpus = {
        "bad yaml.md": b"---\nid: [oops\n---\nbody",
        "no id.md": b"---\ntitle: x\n---\nbody",
        "binary.md": b"\x00\x01\x02binary",
        "latin1.md": b"---\nid: caf\xe9\n---\n",
        "huge.md": b"---\nid: huge\n---\n" + b"x" * 1_100_000,
    }
    for name, raw in corpus.items():
        (mem / name).write_bytes(raw)
    write_note(fresh_vault, "Good", "fine")
    report = store.reconcile()
    assert report.added == 1
    assert {b.path.rsplit("/", 1)[1] for b in store.catalog.bad_notes()} == set(corpus)
    for name, raw in corpus.items():
        assert (mem / name).read_bytes() == raw  # untouched
    assert_consistent(store)
    # a note that becomes bad leaves the indexes; fixed, it comes back
    good = mem / "Good.md"
    original = good.read_text()
    good.write_text("---\nid: [broken\n---\n")
    store.reconcile()
    assert ids(store) == set() and "memem/memories/Good.md" in {b.path for b in store.catalog.bad_notes()}
    good.write_text(original)
    store.reconcile()
    assert ids(store) == {"good"} and "memem/memories/Good.md" not in {b.path for b in store.catalog.bad_notes()}


def test_sync_paths_applies_single_events(store: IndexStore, fresh_vault: Path) -> None:
    store.reconcile()
    p = write_note(fresh_vault, "New", "new note")
    report = store.sync_paths(["memem/memories/New.md", ".obsidian/workspace.json", "elsewhere/x.md"])
    assert report.added == 1
    p.unlink()
    assert store.sync_paths(["memem/memories/New.md"]).deleted == 1
    assert_consistent(store)


def test_model_change_uses_a_new_collection(paths: Paths, fresh_vault: Path, embedder: CountingEmbedder) -> None:
    write_note(fresh_vault, "A", "alpha")
    s1 = IndexStore(paths, EmbedderChoice(HashEmbedder(), ["forced"]))
    s1.reconcile()
    assert s1.vectors.collection.name == "memories-memem-hash-v1"
    s1.close()
    s2 = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    assert s2.catalog.pending_vectors()  # every vector marked stale
    s2.reconcile()
    assert s2.vectors.collection.name == "memories-memem-minilm-l6-v2"
    names = {c.name for c in s2.vectors.client.list_collections()}
    assert names == {"memories-memem-minilm-l6-v2"}
    assert_consistent(s2)
    s2.close()


def test_crash_between_sqlite_and_chroma_heals(
    store: IndexStore, fresh_vault: Path, paths: Paths, embedder: CountingEmbedder
) -> None:
    write_note(fresh_vault, "A", "alpha")
    write_note(fresh_vault, "B", "beta")
    store.reconcile()
    # simulate: rows written, vectors never stored; plus an orphan vector of a deleted row
    with store.catalog.transaction() as conn:
        store.catalog.set_vector_hash(conn, store.catalog.rows()[0].uid, None)
    store.vectors.collection.upsert(
        ids=["999"],
        embeddings=[[0.1] * 384],
        metadatas=[{"project": "", "status": "active", "layer": 2, "kind": "x", "note_id": "ghost"}],
    )
    store.close()
    reopened = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    report = reopened.reconcile()
    assert report.embedded == 1
    assert_consistent(reopened)
    reopened.close()


def test_a_path_too_long_to_open_is_reported_with_a_fix_that_fits(store: IndexStore, fresh_vault: Path) -> None:
    """Past the system's 4,096 bytes for a path, the kernel answers "File name too long": the note is a
    bad note whose fix says to shorten the path (not to check permissions, as before)."""
    from memem.index.health import health

    fd = os.open(fresh_vault / "memem" / "memories", os.O_RDONLY)
    try:
        for _ in range(17):
            os.mkdir("x" * 250, dir_fd=fd)
            inner = os.open("x" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("deep.md", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)
    store.reconcile()
    (problem,) = [p for p in health(store).problems if "too long" in p.what.lower()]
    assert problem.fix.startswith("shorten the names of the folders on its path")


def test_a_name_that_is_not_utf8_never_knocks_out_the_note_its_escaped_form_names(
    store: IndexStore, fresh_vault: Path
) -> None:
    """`caf<0xE9>.md` is reported as `caf\\xe9.md`, which is also a name a real note may have (with a
    backslash). That note stays indexed, and the index does not churn at every reconcile."""
    memories = fresh_vault / "memem" / "memories"
    (memories / "caf\\xe9.md").write_text("---\nid: backslash\n---\n\nzqxbackslash lives here.\n")
    os.close(os.open(os.fsencode(memories) + b"/caf\xe9.md", os.O_WRONLY | os.O_CREAT, 0o644))
    first = store.reconcile()
    assert "memem/memories/caf\\xe9.md" in {b.path for b in store.catalog.bad_notes()}
    assert store.catalog.by_id("backslash") is not None
    again = store.reconcile()
    assert (again.added, again.deleted) == (0, 0) and first.deleted == 0
    assert store.catalog.by_id("backslash") is not None


def test_a_note_replaced_by_a_folder_or_a_symlink_leaves_the_indexes(store: IndexStore, fresh_vault: Path) -> None:
    """Audit: `rm ghost.md; mkdir ghost.md; memem index` said "0 deleted" and search kept finding the
    note for good. A path that is no longer a regular file is a deleted note, to a full index and
    to a single event alike."""
    mem = fresh_vault / "memem" / "memories"
    ghost = write_note(fresh_vault, "ghost", "zqxghost haunts the index", id="ghost")
    echo = write_note(fresh_vault, "echo", "zqxecho repeats itself", id="echo")
    write_note(fresh_vault, "real", "the note a symlink will name", id="real")
    store.reconcile()
    ghost.unlink()
    ghost.mkdir()
    (ghost / "inside.md").write_text("---\nid: inside\n---\nzqxinside\n")
    report = store.reconcile()
    assert report.deleted == 1 and ids(store) == {"echo", "real", "inside"}
    assert search(store, Query("zqxghost", mode="fulltext")) == []
    echo.unlink()
    echo.symlink_to(mem / "real.md")  # a symlink to a note is indexed at the note's own path
    assert store.sync_paths(["memem/memories/echo.md"]).deleted == 1
    assert ids(store) == {"real", "inside"}
    assert_consistent(store)


def test_a_note_that_becomes_unreadable_leaves_recall_and_is_reported(store: IndexStore, fresh_vault: Path) -> None:
    """Audit: after `chmod 000` a note stayed in recall, unreported: a reconcile compared size, mtime
    and inode, and a chmod changes none of them. It changes the ctime, which the catalog now keeps."""
    locked = write_note(fresh_vault, "locked", "zqxlocked behind a chmod", id="locked")
    an_hour_ago = locked.stat().st_mtime - 3600
    os.utime(locked, (an_hour_ago, an_hour_ago))  # not re-read for being written a moment ago
    store.reconcile()
    locked.chmod(0)
    try:
        with without_root_reads():
            report = store.reconcile()
        assert report.deleted == 1 and "locked" not in ids(store)
        assert [(b.path, b.reason) for b in store.catalog.bad_notes()] == [
            ("memem/memories/locked.md", "cannot be read (Permission denied)")
        ]
        assert search(store, Query("zqxlocked", mode="fulltext")) == []
    finally:
        locked.chmod(0o644)
    store.reconcile()
    assert ids(store) == {"locked"} and store.catalog.bad_notes() == []


def test_a_catalog_from_before_ctimes_reads_each_note_once_and_embeds_nothing(
    paths: Paths, fresh_vault: Path, embedder: CountingEmbedder
) -> None:
    write_note(fresh_vault, "Old", "indexed by an older memem")
    first = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    first.reconcile()
    with first.catalog.transaction() as conn:
        conn.execute("ALTER TABLE notes DROP COLUMN ctime_ns")
    first.close()
    embedded = len(embedder.texts)
    again = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    try:
        assert again.reconcile().unchanged == 1 and len(embedder.texts) == embedded
        assert again.reconcile().unchanged == 1  # the ctime is kept now: nothing read the second time
    finally:
        again.close()


def test_a_note_memem_has_aside_for_an_edit_is_not_taken_for_deleted(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit: while an editor kept saving, up to half of memem's edits answered "no memory with id":
    the sync thread looked at the note in the microseconds it was aside and dropped its row. A
    reader of the indexes waits for the note to come back, as memem's other readers do."""
    note = write_note(fresh_vault, "Edited", "a note memem edits", id="edited")
    store.reconcile()
    (before,) = store.catalog.by_id("edited")
    rows_while_aside: list[int] = []

    def sync_while_aside(step: str) -> None:
        if step != "taken-aside":
            return
        syncing = threading.Thread(target=store.sync_paths, args=(["memem/memories/Edited.md"],))
        syncing.start()
        syncing.join(0.3)  # it finds no file at the name, and a journal saying the note is aside
        rows_while_aside.append(len(store.catalog.by_id("edited")))

    monkeypatch.setattr(writer, "_pause", sync_while_aside)
    writer.update(note, lambda text: edit_keys(text, {"reviewed": "2026-12-07"}))
    monkeypatch.setattr(writer, "_pause", None)
    store.sync_paths(["memem/memories/Edited.md"])
    assert rows_while_aside == [1]
    (after,) = store.catalog.by_id("edited")
    assert after.uid == before.uid and after.reviewed == "2026-12-07"
