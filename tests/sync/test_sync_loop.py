"""Real watchdog events on a temp vault, through the daemon's sync loop, into the real indexes."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from memem.index.store import IndexStore
from memem.sync.loop import SyncLoop
from memem.testing import note_text, write_note
from tests.deep_trees import deep_folders, remove_deep_folders

MEM = "memem/memories"


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def loop(store: IndexStore) -> Iterator[SyncLoop]:
    sync = SyncLoop(store, quiet=0.05)
    sync.start()
    wait_until(lambda: sync.state.phase == "watching", 30)
    yield sync
    sync.stop()


def paths_of(store: IndexStore) -> dict[str, str]:
    return {r.path: r.id for r in store.catalog.rows()}


def test_create_modify_delete(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    p = write_note(fresh_vault, "Fresh", "created while watching", id="fresh")
    wait_until(lambda: paths_of(store) == {f"{MEM}/Fresh.md": "fresh"})
    p.write_text(p.read_text().replace("created while watching", "modified while watching"))
    wait_until(lambda: "modified" in store.catalog.body(store.catalog.by_id("fresh")[0].uid))
    p.unlink()
    wait_until(lambda: paths_of(store) == {})
    assert store.vectors.count() == 0


def test_rename_and_folder_move_keep_uid(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    mem = fresh_vault / MEM
    write_note(fresh_vault, "Before", "x", id="r1", title="T1")
    write_note(fresh_vault, "Inside", "y", id="r2", title="T2", folder=f"{MEM}/box")
    wait_until(lambda: len(paths_of(store)) == 2)
    uids = {r.id: r.uid for r in store.catalog.rows()}
    os.rename(mem / "Before.md", mem / "After.md")
    shutil.move(str(mem / "box"), str(mem / "crate"))
    wait_until(lambda: set(paths_of(store)) == {f"{MEM}/After.md", f"{MEM}/crate/Inside.md"})
    assert {r.id: r.uid for r in store.catalog.rows()} == uids


def test_editor_atomic_save_and_vim_backup(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    mem = fresh_vault / MEM
    target = write_note(fresh_vault, "Edited", "version one", id="ed", title="Edited")
    wait_until(lambda: len(paths_of(store)) == 1)
    uid = store.catalog.rows()[0].uid
    # VS Code / Obsidian style: write a temp file, then rename it over the note
    temp = mem / ".Edited.md.tmp-1234"
    temp.write_text(note_text("version two", id="ed", title="Edited"))
    os.replace(temp, target)
    wait_until(lambda: "version two" in store.catalog.body(uid))
    # vim style: move the original to a backup, write a new file, delete the backup
    os.rename(target, mem / "Edited.md~")
    target.write_text(note_text("version three", id="ed", title="Edited"))
    (mem / "Edited.md~").unlink()
    (mem / "4913").write_text("")  # vim's permission probe file
    (mem / "4913").unlink()
    wait_until(lambda: "version three" in store.catalog.body(uid))
    assert [r.uid for r in store.catalog.rows()] == [uid]
    assert store.catalog.bad_notes() == []


def test_burst_of_a_thousand_files(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    folder = fresh_vault / MEM / "burst"
    folder.mkdir()
    for i in range(1000):
        (folder / f"n{i:04}.md").write_text(note_text(f"burst note {i}", id=f"b{i}", title=f"Burst {i}"))
    wait_until(lambda: store.catalog.count() == 1000 and not store.catalog.pending_vectors(), timeout=120)
    assert store.vectors.count() == 1000
    shutil.rmtree(folder)
    wait_until(lambda: store.catalog.count() == 0, timeout=60)
    assert store.vectors.count() == 0


def test_bad_edit_is_reported_then_recovers(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    p = write_note(fresh_vault, "Typo", "fine", id="typo")
    wait_until(lambda: len(paths_of(store)) == 1)
    good = p.read_text()
    p.write_text("---\nid: typo\ntitle: [unclosed\n---\nfine")
    wait_until(lambda: [b.path for b in store.catalog.bad_notes()] == [f"{MEM}/Typo.md"])
    assert p.read_text().startswith("---\nid: typo\ntitle: [unclosed")  # untouched
    p.write_text(good)
    wait_until(lambda: store.catalog.bad_notes() == [] and len(paths_of(store)) == 1)


def test_requested_reconcile_picks_up_what_events_missed(loop: SyncLoop, store: IndexStore, fresh_vault: Path) -> None:
    loop.watcher.stop()  # simulate lost events (e.g. an inotify overflow)
    write_note(fresh_vault, "Missed", "no event for this one", id="missed")
    report = loop.request_reconcile().result(timeout=30)
    assert report.added == 1 and paths_of(store) == {f"{MEM}/Missed.md": "missed"}


def test_a_failing_reconcile_is_reported_and_retried_with_growing_pauses(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole reconcile that fails (a full disk, a broken index) is an error in status and doctor,
    retried after 5 s, then 10 s, …, not once a second; the next success clears it."""
    from memem.index.health import health
    from memem.sync.loop import ReconcileFailed

    write_note(fresh_vault, "Kept", "indexed before the failure", id="kept")
    real = store._reconcile
    calls: list[float] = []

    def broken(progress: object) -> object:
        calls.append(time.monotonic())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_reconcile", broken)
    sync = SyncLoop(store, quiet=0.05)
    sync.start()
    try:
        wait_until(lambda: sync.state.failed_reconciles == 1, 30) and "No space left" in (sync.state.last_error or "")
        assert sync.retry_delay() == 5.0
        time.sleep(2.5)
        assert len(calls) == 1  # no retry storm
        errors = [p for p in health(store).problems if p.severity == "error"]
        assert any("the last full index failed" in p.what and "No space left" in p.what for p in errors)
        with pytest.raises(ReconcileFailed):
            sync.request_reconcile().result(timeout=30)
        assert sync.state.failed_reconciles == 2 and sync.retry_delay() == 10.0
        monkeypatch.setattr(store, "_reconcile", real)
        report = sync.request_reconcile().result(timeout=30)
        assert report.added == 1 and sync.state.last_error is None and sync.state.failed_reconciles == 0
        assert not [p for p in health(store).problems if p.severity == "error"]
    finally:
        sync.stop()


def test_a_folder_too_deep_to_watch_turns_watching_into_polling_and_says_so(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thousand nested folders (an app's cache under .obsidian, a runaway script) end watchdog's
    thread with RecursionError: the loop notices, says why, and re-reads the vault on a timer, so an
    edit made afterwards is still found."""
    monkeypatch.setattr("memem.sync.loop.POLL_SECONDS", 1.0)
    write_note(fresh_vault, "Before", "indexed at start", id="before")
    sync = SyncLoop(store, quiet=0.05)
    sync.start()
    try:
        wait_until(lambda: "before" in paths_of(store).values(), 30)
        assert sync.state.watch_error is None
        outside = fresh_vault.parent / "made-elsewhere"
        deep_folders(outside, 1000)
        (fresh_vault / ".obsidian").mkdir()
        os.rename(outside, fresh_vault / ".obsidian" / "cache")  # arrives whole, as a sync or an unzip does
        wait_until(lambda: sync.state.watch_error is not None, 30)
        assert "RecursionError" in sync.state.watch_error
        write_note(fresh_vault, "After", "written once events had stopped", id="after")
        wait_until(lambda: "after" in paths_of(store).values(), 30)
    finally:
        sync.stop()
        remove_deep_folders(fresh_vault / ".obsidian" / "cache")


def test_a_vault_too_deep_to_watch_from_the_start_is_polled(
    store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("memem.sync.loop.POLL_SECONDS", 1.0)
    deep_folders(fresh_vault / MEM / "archive", 1000)
    write_note(fresh_vault, "Kept", "beside a folder a thousand deep", id="kept")
    sync = SyncLoop(store, quiet=0.05)
    sync.start()
    try:
        wait_until(lambda: "kept" in paths_of(store).values(), 30)
        wait_until(lambda: sync.state.watch_error is not None, 10)
        write_note(fresh_vault, "Later", "written while polling", id="later")
        wait_until(lambda: "later" in paths_of(store).values(), 30)
    finally:
        sync.stop()
        remove_deep_folders(fresh_vault / MEM / "archive")


def test_a_folder_renamed_from_a_name_that_is_not_utf8_is_reported_no_more(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path
) -> None:
    """Report A, 4: renamed while the daemon watched, its notes came back but the folder stayed
    reported as bad until the reconcile ten minutes later."""
    memories = os.fsencode(fresh_vault / MEM)
    os.mkdir(memories + b"/dossier-\xe9")
    with open(memories + b"/dossier-\xe9/Inside.md", "wb") as note:
        note.write(note_text("zqxinside", id="inside").encode())
    loop.request_reconcile().result(timeout=30)
    assert [b.path for b in store.catalog.bad_notes()] == [f"{MEM}/dossier-\\xe9/"]
    os.rename(memories + b"/dossier-\xe9", memories + b"/dossier")
    wait_until(lambda: paths_of(store) == {f"{MEM}/dossier/Inside.md": "inside"})
    wait_until(lambda: store.catalog.bad_notes() == [], 5)


def test_a_symlinked_folder_made_while_watching_is_reported_and_its_removal_clears_it(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path, tmp_path: Path
) -> None:
    """Report A, 4: made while the daemon watched, a symlinked folder was reported only by the next
    reconcile, ten minutes later (a full walk reports it at once)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Outside.md").write_text(note_text("zqxoutside", id="outside"))
    link = fresh_vault / MEM / "linked"
    os.symlink(elsewhere, link)
    reported = [(f"{MEM}/linked/", "symlinked folder: not followed (move the notes into the vault)")]
    wait_until(lambda: [(b.path, b.reason) for b in store.catalog.bad_notes()] == reported, 5)
    assert paths_of(store) == {}
    link.unlink()
    wait_until(lambda: store.catalog.bad_notes() == [], 5)
