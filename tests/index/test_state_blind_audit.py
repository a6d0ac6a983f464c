"""memem's state databases and the event log, as a blind audit found them: a damaged state database
set aside (kept) and started anew rather than taking every command down; undo that can reach past a
blocked operation by id, runs one at a time, and can itself be undone; summaries kept without secrets."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from memem.config import Paths
from memem.errors import Conflict, NotFound
from memem.index import events
from memem.index.events import EventLog
from memem.index.ledger import RecallLedger
from memem.index.state_db import DAMAGED, damaged_state, private_db
from memem.memory.service import MemoryService, SaveRequest
from memem.testing import write_note

# A GitHub token's shape, built here so no token sits in the source as one string.
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6Q7r8"
SCHEMA = "CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY, b TEXT);"


def filled(path: Path, rows: int = 3000) -> Path:
    conn = private_db(path, SCHEMA)
    conn.executemany("INSERT INTO t (b) VALUES (?)", ((f"row {n} " * 20,) for n in range(rows)))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def truncate(path: Path) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return data[: len(data) // 2]


def overwrite_at_100(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    data[100:400] = b"\xff" * 300
    path.write_bytes(bytes(data))
    return bytes(data)


def set_aside(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.glob(f"{name}{DAMAGED}*") if not p.name.endswith(("-wal", "-shm"))]


# --- 1. a damaged state database ------------------------------------------------------------------


@pytest.mark.parametrize("damage", [truncate, overwrite_at_100])
def test_a_damaged_state_database_is_set_aside_kept_and_started_anew(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    path = filled(tmp_path / "state" / "thing.sqlite3")
    damaged_bytes = damage(path)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="memem.state"):
        conn = private_db(path, SCHEMA)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)  # anew, and usable
    conn.execute("INSERT INTO t (b) VALUES ('after')")
    conn.close()
    (kept,) = set_aside(path.parent, "thing.sqlite3")
    assert kept.read_bytes() == damaged_bytes  # kept as it was, never deleted
    (record,) = [r for r in caplog.records if r.name == "memem.state"]
    assert "\n" not in record.getMessage() and kept.name in record.getMessage()
    (problem,) = damaged_state(path.parent)
    assert problem.severity == "warning" and "thing.sqlite3" in problem.what and str(kept) in problem.what
    # Opened again: healthy now, nothing more set aside.
    private_db(path, SCHEMA).close()
    assert len(set_aside(path.parent, "thing.sqlite3")) == 1


def test_a_healthy_or_busy_database_is_never_set_aside(tmp_path: Path) -> None:
    path = filled(tmp_path / "ok.sqlite3")
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # a writer elsewhere holds it: busy, not damaged
    conn = private_db(path, SCHEMA)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (3000,)
    holder.rollback()
    holder.close()
    conn.close()
    assert set_aside(tmp_path, "ok.sqlite3") == [] and damaged_state(tmp_path) == []


def test_the_miners_offsets_are_not_set_aside_but_raised(tmp_path: Path) -> None:
    path = tmp_path / "mining" / "state.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database " * 200)
    with pytest.raises(sqlite3.DatabaseError):
        private_db(path, SCHEMA)
    assert path.read_bytes().startswith(b"this is not")  # left for the miner to name, with what to do


def test_the_event_log_and_the_ledger_open_on_damaged_files(tmp_path: Path, fresh_vault: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite3")
    with log.operation("save", "a note"):
        log.created("memem/memories/a.md", "a", "text")
    log.close()
    ledger = RecallLedger(tmp_path / "ledger.sqlite3")
    ledger.shown(["a"], "shop")
    ledger.close()
    truncate(tmp_path / "events.sqlite3")
    overwrite_at_100(tmp_path / "ledger.sqlite3")
    log, ledger = EventLog(tmp_path / "events.sqlite3"), RecallLedger(tmp_path / "ledger.sqlite3")
    assert log.batches() == [] and ledger.records() == {}
    ledger.shown(["b"], "shop")
    assert set(ledger.records()) == {"b"}
    log.close()
    ledger.close()
    assert {p.what.split()[3] for p in damaged_state(tmp_path)} == {"events.sqlite3", "ledger.sqlite3"}


def _memem(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "memem", "--vault", str(vault), *args], capture_output=True, text=True)


def test_commands_work_on_through_damaged_state_databases(fresh_vault: Path) -> None:
    saved = _memem(fresh_vault, "save", "The wiki moved to Confluence.")
    assert saved.returncode == 0, saved.stderr
    state = Paths.resolve(fresh_vault).state
    truncate(state / "events.sqlite3")
    overwrite_at_100(state / "ledger.sqlite3")
    for args in (["save", "Staging resets on Sundays."], ["undo", "--list"], ["status"], ["doctor"]):
        done = _memem(fresh_vault, *args)
        assert "Traceback" not in done.stderr + done.stdout and "malformed" not in done.stdout, (args, done.stderr)
        assert done.returncode == (1 if args == ["doctor"] and "[error]" in done.stdout else 0), done.stdout
    listed = _memem(fresh_vault, "undo", "--list")
    assert "Staging resets on Sundays" in listed.stdout  # the new log records from here on
    assert len(set_aside(state, "events.sqlite3")) == 1 and len(set_aside(state, "ledger.sqlite3")) == 1


# --- 2. undo --------------------------------------------------------------------------------------


def two_saves_the_newer_edited(service: MemoryService, vault: Path) -> tuple[str, str, Path, Path]:
    a = service.save(SaveRequest("Staging is reset every Sunday at 02:00 UTC.", project="shop"))
    b = service.save(SaveRequest("The wiki moved to Confluence in March.", project="shop"))
    newer, older = service.history(2)
    edited = vault / b.path
    edited.write_text(edited.read_text() + "\nAn edit in Obsidian.\n")
    return older.batch, newer.batch, vault / a.path, edited


def test_a_later_edit_no_longer_blocks_undoing_an_older_operation_by_id(
    service: MemoryService, fresh_vault: Path
) -> None:
    older, newer, a, b = two_saves_the_newer_edited(service, fresh_vault)
    edit = b.read_text()
    with pytest.raises(Conflict, match=rf"edited since.*operation {newer}.*by its id"):
        service.events.undo(fresh_vault, 2)
    assert a.exists() and b.read_text() == edit  # all or nothing, still

    done = service.events.undo_batch(fresh_vault, older[:6])
    assert [x.batch for x in done.batches] == [older] and not a.exists()
    ((skipped, why),) = done.skipped
    assert skipped.batch == newer and "edited since" in why
    assert b.read_text() == edit  # the person's edit stands
    assert [x.batch for x in service.history()] == [newer]
    with pytest.raises(Conflict, match="undone already"):
        service.events.undo_batch(fresh_vault, older)
    with pytest.raises(NotFound):
        service.events.undo_batch(fresh_vault, "zz")


def test_undo_by_id_names_the_newer_operation_that_changed_its_note(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys")
    write_note(fresh_vault, "Deploys v2", "Deploy on Thursdays.", id="deploys-2")
    service.store.reconcile()
    service.link("deploys", "deploys-2", "related")
    (first,) = service.history(1)
    service.deprecate("deploys", successor="deploys-2", reason="moved")
    (second, _) = service.history(2)
    with pytest.raises(Conflict, match=rf"changed by the newer .*\({second.batch}\)"):
        service.events.undo_batch(fresh_vault, first.batch)


def test_concurrent_undos_each_undo_one_operation_once(service: MemoryService, fresh_vault: Path) -> None:
    saved = [
        service.save(SaveRequest(f"Fact number {n}: the queue {n} drains nightly.", project="shop")) for n in range(6)
    ]
    logs = [service.events, EventLog(service.events.path)]  # two opens of one log, as two processes would have
    results: list[object] = []

    def undo(log: EventLog) -> None:
        try:
            results.append(log.undo(fresh_vault, 1)[0][0].batch)
        except Exception as exc:  # collected and asserted on below
            results.append(exc)

    threads = [threading.Thread(target=undo, args=(logs[n % 2],)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 6  # six operations, each once
    assert not any((fresh_vault / s.path).exists() for s in saved)
    undoes = service.events.conn.execute(
        "SELECT undoes, count(DISTINCT batch) FROM events WHERE undoes IS NOT NULL GROUP BY undoes"
    ).fetchall()
    assert len(undoes) == 6 and all(n == 1 for _, n in undoes)
    logs[1].close()


def test_an_undo_can_be_undone_and_that_undone_again(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys", project="shop")
    service.store.reconcile()
    note = fresh_vault / "memem/memories/Deploys.md"
    original = note.read_text()
    saved = service.save(SaveRequest("Staging is reset every Sunday at 02:00 UTC.", project="shop"))
    service.deprecate("deploys", reason="gone")
    deprecated = note.read_text()
    service.events.undo(fresh_vault, 2)
    assert note.read_text() == original and not (fresh_vault / saved.path).exists()

    # Redone in the reverse order of the undo: the save (undone last) first, then the deprecation.
    redone = service.events.redo(fresh_vault)
    assert (fresh_vault / saved.path).exists() and redone.batches[0].op == "undo"
    service.events.redo(fresh_vault)
    assert note.read_text() == deprecated
    (latest, *_) = service.history()
    assert latest.op == "redo" and latest.summary == "redo deprecate: deploys"
    service.events.undo(fresh_vault, 1)  # a redo is undone as any operation
    assert note.read_text() == original
    again = service.events.redo(fresh_vault)
    assert note.read_text() == deprecated and again.batches[0].op == "undo"
    with pytest.raises(NotFound, match="nothing to redo"):
        service.events.redo(fresh_vault)


def test_a_redo_never_overwrites_an_edit_made_since(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys", project="shop")
    service.store.reconcile()
    service.deprecate("deploys", reason="gone")
    service.events.undo(fresh_vault, 1)
    note = fresh_vault / "memem/memories/Deploys.md"
    note.write_text(note.read_text() + "\nEdited.\n")
    with pytest.raises(Conflict, match="edited since"):
        service.events.redo(fresh_vault)
    assert note.read_text().endswith("Edited.\n")


# --- 3. summaries keep no secret ------------------------------------------------------------------


def test_a_summary_holding_a_secret_is_redacted_when_written(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite3")
    with log.operation("consolidate", f"merge-0a1b2c3d4e merge: Deploy token is {TOKEN}"):
        log.changed("memem/memories/a.md", "a", "before", "after")
    (batch,) = log.batches()
    assert TOKEN not in batch.summary and batch.summary.startswith("merge-0a1b2c3d4e merge: Deploy token is [redacted")
    log.close()
    assert TOKEN.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("events.sqlite3*"))


def test_an_old_logs_summaries_are_redacted_in_place_and_when_listed(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(events.SCHEMA)
    insert = (
        "INSERT INTO events (at, batch, op, summary, path, before, after_sha) "
        "VALUES (1e10, ?, 'merge', ?, 'a.md', 'x', 'y')"
    )
    conn.execute(insert, ("aaaaaaaaaaaa", f"Deploy token is {TOKEN}"))
    conn.commit()
    conn.close()
    log = EventLog(path)  # an earlier memem's log: redacted once, on open
    assert log.conn.execute("SELECT count(*) FROM events WHERE summary LIKE ?", (f"%{TOKEN}%",)).fetchone() == (0,)
    # A row that got past that (written by an older memem meanwhile) is redacted when listed.
    log.conn.execute(insert, ("bbbbbbbbbbbb", f"Deploy token is {TOKEN}"))
    assert all(TOKEN not in b.summary for b in log.batches())
    assert all(TOKEN not in str(b.to_json()) for b in log.batches())
    log.close()


def test_undo_list_shows_no_secret_from_a_title(fresh_vault: Path) -> None:
    saved = _memem(fresh_vault, "save", "The wiki moved to Confluence.")
    assert saved.returncode == 0, saved.stderr
    log = EventLog(Paths.resolve(fresh_vault).state / "events.sqlite3")
    with log.operation("deprecate", f"Deploy token is {TOKEN}"):
        log.changed("memem/memories/a.md", "a", "before", "after")
    log.conn.execute("UPDATE events SET summary = ? WHERE op = 'deprecate'", (f"Deploy token is {TOKEN}",))
    log.close()
    listed = _memem(fresh_vault, "undo", "--list")
    assert listed.returncode == 0 and "Deploy token is [redacted" in listed.stdout
    assert TOKEN not in listed.stdout + listed.stderr


def test_the_daemon_starts_on_damaged_state_databases_and_logs_one_line_each(fresh_vault: Path) -> None:
    from memem.testing import RunningDaemon

    write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys", project="shop")
    state = Paths.resolve(fresh_vault).state
    state.mkdir(parents=True, exist_ok=True)
    log = EventLog(state / "events.sqlite3")
    with log.operation("save", "a note"):
        log.created("memem/memories/a.md", "a", "text")
    log.close()
    RecallLedger(state / "ledger.sqlite3").close()
    (state / "events.sqlite3").write_bytes((state / "events.sqlite3").read_bytes()[:1500])
    overwrite_at_100(state / "ledger.sqlite3")
    daemon = RunningDaemon(fresh_vault, {"MEMEM_EMBEDDER": "hash"})
    try:
        daemon.wait_ready()
        status = daemon.call("GET", "/v1/status")
        assert status["notes"] == 1
        undo = daemon.call("POST", "/v1/op/history", {"limit": 5})
        assert undo is not None
    finally:
        assert daemon.stop() == 0
    lines = [line for line in daemon.log_text().splitlines() if "state database" in line]
    assert len(lines) == 2 and all("set aside as" in line for line in lines), lines
    assert "Traceback" not in daemon.log_text()
