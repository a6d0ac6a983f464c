"""Real watchdog events on a temp vault, through the daemon's sync loop, into the real indexes."""

from __future__ import annotations

import os
import shutil
import threading
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


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch, fresh_vault: Path) -> list[str]:
    """Every folder listing and stat of a path in the vault made by memem's threads (watchdog's own
    emitter thread, which adds its watches, left out): the file-system work a change costs memem."""
    from watchdog.observers.api import EventEmitter

    seen: list[str] = []
    vault = str(fresh_vault)

    def counted(real: Callable[..., object]) -> Callable[..., object]:
        def call(path: object = ".", *args: object, **kwargs: object) -> object:
            text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else ""
            memems = not isinstance(threading.current_thread(), EventEmitter)
            if memems and isinstance(text, str) and text.startswith(vault):
                seen.append(text)
            return real(path, *args, **kwargs)

        return call

    for name in ("scandir", "stat", "lstat"):
        monkeypatch.setattr(os, name, counted(getattr(os, name)))
    return seen


def test_a_folder_holding_a_symlink_to_the_root_moved_while_watched_is_never_walked_through_it(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path, tmp_path: Path, listings: list[str]
) -> None:
    """Audit: renaming a folder that holds a symlink to `/` made the daemon walk the whole file system
    (249,404 paths, 13 s of CPU, files outside the vault listed as bad notes): watchdog reports the
    symlink as a moved folder too, and the watcher walked from it. The same for a folder moved in."""
    mem = fresh_vault / MEM
    (mem / "a").mkdir()
    (mem / "a" / "a1.md").write_text(note_text("zqxa1", id="a1"))
    os.symlink("/", mem / "a" / "rootlink")
    symlinked = "symlinked folder: not followed (move the notes into the vault)"
    wait_until(lambda: [(b.path, b.reason) for b in store.catalog.bad_notes()] == [(f"{MEM}/a/rootlink/", symlinked)])
    wait_until(lambda: paths_of(store) == {f"{MEM}/a/a1.md": "a1"})
    os.rename(mem / "a", mem / "b")
    outside = tmp_path / "x"
    outside.mkdir()
    os.symlink("/", outside / "r")
    os.rename(outside, mem / "x")
    reported = [(f"{MEM}/b/rootlink/", symlinked), (f"{MEM}/x/r/", symlinked)]
    wait_until(lambda: [(b.path, b.reason) for b in store.catalog.bad_notes()] == reported)
    wait_until(lambda: paths_of(store) == {f"{MEM}/b/a1.md": "a1"})
    time.sleep(1.5)  # what a walk through the link would have handed on by now
    assert [(b.path, b.reason) for b in store.catalog.bad_notes()] == reported
    through = [p for p in listings if "/rootlink/" in p or "/x/r/" in p or p.endswith(("/rootlink", "/x/r"))]
    assert [p for p in through if os.path.isdir(p) and not os.path.islink(p)] == []
    assert len(listings) < 200, len(listings)


def test_a_tree_made_400_folders_deep_while_watched_costs_work_in_line_with_the_events(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path, listings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit: a deep folder made while the daemon watched cost time cubic in its depth (400 deep:
    29.5 s before a new note was searchable; 1,000: not after 8 minutes): each folder's event walked
    what was below it, on watchdog's thread, and each path checked every folder above it for a
    symlink. Counted here, not timed: listings and stats of vault paths by memem's threads, against
    the paths the events handed on (watchdog repeats a new folder's subfolders when it lags) and
    the batches they came in (each walks at most MAX_FOLDER_DEPTH folders)."""
    from memem.vault.scan import MAX_FOLDER_DEPTH, TOO_DEEP

    handed: list[str] = []
    batches: list[int] = []
    add, sync = loop.debouncer.add, store.sync_paths
    monkeypatch.setattr(loop.debouncer, "add", lambda paths: (handed.extend(paths), add(paths)))
    monkeypatch.setattr(store, "sync_paths", lambda paths: (batches.append(len(paths)), sync(paths))[1])
    depth = 400
    deep_folders(fresh_vault / MEM / "deep", depth)
    inside = fresh_vault / MEM / "deep" / "/".join(["d"] * 50) / "Inside.md"
    try:
        inside.write_text(note_text("zqxinside fifty folders down", id="inside"))
        write_note(fresh_vault, "Beside", "zqxbeside the deep folder", id="beside")
        wait_until(lambda: {"inside", "beside"} <= set(paths_of(store).values()), 30)
        too_deep = f"{MEM}/deep/" + "d/" * MAX_FOLDER_DEPTH
        wait_until(lambda: [(b.path, b.reason) for b in store.catalog.bad_notes()] == [(too_deep, TOO_DEEP)], 10)
        time.sleep(0.5)
        assert len(handed) >= depth
        # Before: every folder's event listed the folders below it, ~depth²/2 listings.
        assert len(listings) <= 4 * len(handed) + (MAX_FOLDER_DEPTH + 2) * len(batches), (len(listings), len(handed))
    finally:
        loop.stop()  # unwatched first: the clean-up renames every level, and watchdog repeats each move's subtree
        inside.unlink(missing_ok=True)
        remove_deep_folders(fresh_vault / MEM / "deep")


def test_a_deep_trees_events_delivered_at_once_are_walked_once(
    store: IndexStore, fresh_vault: Path, listings: list[str]
) -> None:
    """What the daemon gets when watchdog falls behind a tree made 400 folders deep: one created
    event per folder, all after the whole tree exists. Handling them lists each folder once, at
    most (before: each event walked the tree below its folder, 80,000 listings)."""
    from watchdog.events import DirCreatedEvent

    from memem.sync.debounce import Debouncer
    from memem.sync.watcher import _Handler
    from memem.vault.scan import MAX_FOLDER_DEPTH

    depth = 400
    store.reconcile()
    deep_folders(fresh_vault / MEM / "deep", depth)
    try:
        debouncer = Debouncer(quiet=0.0)
        handler = _Handler(fresh_vault, debouncer)
        folder = fresh_vault / MEM / "deep"
        listings.clear()
        for _ in range(depth + 1):
            handler.on_any_event(DirCreatedEvent(str(folder)))
            folder = folder / "d"
        assert listings == []  # watchdog's thread does no file-system work of its own
        report = store.sync_paths(debouncer.take(timeout=1))
        assert len(report.bad) == 1
        walked = [p for p in listings if p.endswith("/d") or p.endswith("/deep")]
        assert len(walked) <= 3 * depth and len(listings) <= 4 * depth + 2 * MAX_FOLDER_DEPTH, len(listings)
    finally:
        remove_deep_folders(fresh_vault / MEM / "deep")


def test_a_tree_made_a_thousand_folders_deep_while_watched_holds_up_no_other_note(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path
) -> None:
    deep_folders(fresh_vault / MEM / "runaway", 1000)
    try:
        write_note(fresh_vault, "Elsewhere", "zqxelsewhere written after the runaway tree", id="elsewhere")
        wait_until(lambda: "elsewhere" in paths_of(store).values(), 20)  # before: not after 8 minutes
        assert loop.state.last_error is None
    finally:
        loop.stop()
        remove_deep_folders(fresh_vault / MEM / "runaway")


def test_a_note_replaced_by_a_folder_of_its_name_while_watched_leaves_the_index(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path
) -> None:
    ghost = write_note(fresh_vault, "ghost", "zqxghost", id="ghost")
    wait_until(lambda: paths_of(store) == {f"{MEM}/ghost.md": "ghost"})
    ghost.unlink()
    ghost.mkdir()
    wait_until(lambda: paths_of(store) == {})


def test_memem_editing_a_note_an_editor_keeps_saving_by_rename_never_loses_its_id(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit (race2.py): an editor saving by temp file and rename every 5 ms while memem linked and
    unlinked the note 40 times: conflict copies of older saves under the same id (then every edit
    refused: "id shared by 2 notes"), and up to half of the calls answered "no memory with id"."""
    from memem.errors import NotFound
    from memem.memory.service import MemoryService
    from memem.vault import writer

    monkeypatch.setattr(writer, "SETTLE_WAIT", 0.1)
    service = MemoryService(store)
    mem = fresh_vault / MEM
    x = write_note(fresh_vault, "x", "edit 0", id="race-x", title="Race X")
    write_note(fresh_vault, "y", "race y", id="race-y", title="Race Y")
    wait_until(lambda: set(paths_of(store).values()) == {"race-x", "race-y"})
    stop = threading.Event()

    def editor() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            temp = mem / "x.md.tmp"
            temp.write_text(note_text(f"edit {n}", id="race-x", title="Race X"))
            os.replace(temp, x)
            stop.wait(0.003)

    saving = threading.Thread(target=editor)
    saving.start()
    answers: dict[str, int] = {}
    try:
        for n in range(16):
            try:
                service.link("race-x", "race-y", "related", remove=n % 2 == 1)
                answer = "ok"
            except NotFound as exc:
                answer = f"not found: {exc}"
            except Exception as exc:  # a yield to the editor ("kept changing") is an answer too
                answer = type(exc).__name__
            answers[answer] = answers.get(answer, 0) + 1
    finally:
        stop.set()
        saving.join()
    assert not [a for a in answers if a.startswith("not found")], answers
    assert sorted(p.name for p in mem.iterdir()) == ["x.md", "y.md"]
    wait_until(lambda: set(paths_of(store)) == {f"{MEM}/x.md", f"{MEM}/y.md"})
    assert len(store.catalog.by_id("race-x")) == 1


def test_a_batch_that_failed_is_found_by_a_reconcile_within_seconds_not_the_periodic_one(
    loop: SyncLoop, store: IndexStore, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk, say, fails a batch: its events are spent. A whole reconcile comes in seconds (not in
    the ten minutes of the periodic one), finds the notes, and only then is the error cleared."""
    import sqlite3

    real = store.sync_paths
    failures = []

    def full_disk(paths: object) -> object:
        if not failures:
            failures.append(paths)
            raise sqlite3.OperationalError("database or disk is full")
        return real(paths)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "sync_paths", full_disk)
    write_note(fresh_vault, "Written during the outage", "a note the failed batch named", id="outage")
    wait_until(lambda: bool(failures))
    assert (loop.state.last_error or "").startswith("sync failed")
    wait_until(lambda: store.catalog.by_id("outage") != [], timeout=20)  # was: up to 600 s
    wait_until(lambda: loop.state.last_error is None)
