"""The daemon as a real process: one per vault, token-guarded, clean on SIGTERM, whole after kill -9."""

from __future__ import annotations

import hashlib
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import chromadb
import pytest

from memem.client.discovery import read_daemon
from memem.client.http import DaemonError, call
from memem.config import Paths
from memem.index.catalog import Catalog
from memem.index.embeddings.minilm import NAME
from memem.testing import RunningDaemon, stop_vault_daemon, write_note
from memem.vault.note import Note, parse_note

pytestmark = pytest.mark.slow


def vault_truth(vault: Path) -> set[tuple[str, str, str]]:
    """(path, id, sha256) of every valid note on disk."""
    out = set()
    for path in (vault / "memem" / "memories").rglob("*.md"):
        rel = path.relative_to(vault).as_posix()
        note = parse_note(rel, path.read_bytes())
        if isinstance(note, Note):
            out.add((rel, note.id, hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


def test_second_daemon_refuses_and_sigterm_is_clean(fresh_vault: Path) -> None:
    write_note(fresh_vault, "A", "alpha")
    first = RunningDaemon(fresh_vault)
    try:
        first.wait_ready()
        second = subprocess.run(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "serve"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"pid {first.proc.pid}" in second.stderr and "not starting" in second.stderr
    finally:
        code = first.stop(signal.SIGTERM)
    assert code == 0
    assert not first.paths.daemon_file.exists()
    assert "stopped" in first.log_text()


def test_sigterm_the_moment_daemon_json_appears_stops_it(fresh_vault: Path) -> None:
    """A client may stop a daemon as soon as daemon.json names it (a test's cleanup does), which is before
    uvicorn has put its own signal handlers in place: the signal must stop it, not be swallowed."""
    write_note(fresh_vault, "A", "alpha")
    paths = Paths.resolve(fresh_vault)
    for _ in range(3):  # the window is a few milliseconds wide: polling at 1 ms lands in it most times
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "serve", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while read_daemon(paths.daemon_file, paths.lock_file) is None:
                assert proc.poll() is None and time.monotonic() < deadline, "the daemon did not come up"
                time.sleep(0.001)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not paths.daemon_file.exists()


def test_daemon_exits_when_its_vault_folder_goes_and_keeps_the_indexes(fresh_vault: Path) -> None:
    """An unmounted drive or a moved vault must not read as "every note deleted"."""
    for name in ("A", "B", "C"):
        write_note(fresh_vault, name, f"note {name} about sqlite locking")
    daemon = RunningDaemon(fresh_vault)
    try:
        daemon.wait_ready()
        away = fresh_vault.with_name("vault-elsewhere")
        fresh_vault.rename(away)
        code = daemon.proc.wait(timeout=30)
    finally:
        daemon.stop()
    assert code == 1
    assert "is gone" in daemon.log_text() and "stopping" in daemon.log_text()
    assert not daemon.paths.daemon_file.exists()

    away.rename(fresh_vault)
    catalog = Catalog(daemon.paths.catalog_db)
    try:
        assert sorted(p for (p,) in catalog.conn.execute("SELECT path FROM notes")) == [
            f"memem/memories/{n}.md" for n in ("A", "B", "C")
        ]
    finally:
        catalog.close()
    again = RunningDaemon(fresh_vault)
    try:
        status = again.wait_ready()
    finally:
        again.stop()
    assert status["notes"] == 3
    assert status["daemon"]["last_report"]["unchanged"] == 3
    assert status["daemon"]["last_report"]["embedded"] == 0


def test_status_says_how_much_the_cross_encoder_reads_on_this_machine(fresh_vault: Path) -> None:
    from memem.index.embeddings.bundled import bundled_model
    from memem.index.embeddings.cross_encoder import MODEL

    if bundled_model(MODEL)[0] is None:
        pytest.skip(f"the cross-encoder is not installed: {bundled_model(MODEL)[1]}")
    write_note(fresh_vault, "Deploys", "Deploys go out on Tuesdays after the release review.", id="deploys")
    daemon = RunningDaemon(fresh_vault)
    try:
        daemon.wait_ready()
        deadline = time.monotonic() + 60
        while (budgets := daemon.call("GET", "/v1/status")["rerank_budgets"]) is None:  # type: ignore[index]
            assert time.monotonic() < deadline, "the daemon never measured its cross-encoder"
            time.sleep(0.2)  # measured when the model is warmed up, after the first reconcile
        assert budgets["ms_per_token"] > 0
        assert 1200 <= budgets["search_tokens"] <= 2400 and budgets["search_tokens"] % 100 == 0
        assert 600 <= budgets["slice_tokens"] <= 1200 and budgets["slice_tokens"] % 100 == 0
        status = subprocess.run(
            [sys.executable, "-m", "memem", "--vault", str(fresh_vault), "status"], capture_output=True, text=True
        )
        assert status.returncode == 0, status.stderr
        said = f"reads {budgets['search_tokens']:,} tokens a search, {budgets['slice_tokens']:,} a prompt here"
        assert said in status.stdout
    finally:
        daemon.stop()


def test_token_and_host_are_required(fresh_vault: Path) -> None:
    daemon = RunningDaemon(fresh_vault)
    try:
        info = daemon.info
        assert daemon.call("GET", "/v1/health")["ok"] is True  # type: ignore[index]
        with pytest.raises(DaemonError) as wrong:
            call(info.host, info.port, "not-the-token", "GET", "/v1/status")
        assert wrong.value.status == 401
        raw = (
            f"GET /v1/health HTTP/1.1\r\nHost: evil.example:{info.port}\r\n"
            f"Authorization: Bearer {daemon.token}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection((info.host, info.port)) as sock:
            sock.sendall(raw.encode())
            answer = sock.recv(4096).decode()
        assert answer.startswith("HTTP/1.1 403")
        token_file = daemon.paths.token_file
        assert token_file.stat().st_mode & 0o777 == 0o600
        # bound to loopback only
        with socket.socket() as probe:
            probe.settimeout(1)
            external = socket.gethostbyname(socket.gethostname())
            if not external.startswith("127."):
                assert probe.connect_ex((external, info.port)) != 0
    finally:
        daemon.stop()


def conversation_vault(vault: Path, notes_per_folder: int = 700) -> None:
    """Notes shaped like dialogue turns (a sentence or two each), in two folders, made up at test time."""
    rng = random.Random(7)
    words = "deploy cache queue retry build test schema index token backup alert review merge branch".split()
    for folder in ("conv-26", "conv-30"):
        for n in range(notes_per_folder):
            body = " ".join(rng.choice(words) for _ in range(rng.randint(12, 40))) + "."
            write_note(vault, f"{folder}/turn {n}", body, id=f"{folder}-{n}", project=folder)


def test_kill_9_mid_index_then_restart_loses_and_doubles_nothing(fresh_vault: Path) -> None:
    conversation_vault(fresh_vault)
    daemon = RunningDaemon(fresh_vault)
    killed_at = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = daemon.call("GET", "/v1/status")
        progress = status["daemon"]["progress"]  # type: ignore[index]
        if progress and progress[0] == "embedding" and 0 < progress[1] < progress[2]:
            killed_at = progress
            daemon.stop(signal.SIGKILL)
            break
        time.sleep(0.05)
    assert killed_at is not None, "never caught the daemon mid-embedding"
    # edits while nothing runs: one deleted, one added, one changed
    mem = fresh_vault / "memem" / "memories"
    next(iter(sorted((mem / "conv-26").glob("*.md")))).unlink()
    write_note(fresh_vault, "Added while down", "new while the daemon was dead", id="added-while-down")
    changed = sorted((mem / "conv-30").glob("*.md"))[0]
    changed.write_text(changed.read_text() + "\nEdited while the daemon was down.\n")

    restarted = RunningDaemon(fresh_vault)
    try:
        status = restarted.wait_ready(600)
    finally:
        assert restarted.stop() == 0
    truth = vault_truth(fresh_vault)
    paths = Paths.resolve(fresh_vault)
    catalog = Catalog(paths.catalog_db)
    rows = catalog.rows()
    indexed = {(r.path, r.id, r.content_hash) for r in rows}
    assert indexed == truth  # none lost, none stale
    assert len(rows) == len(truth)  # none doubled
    assert status["notes"] == status["vectors"] == status["fulltext"] == len(truth)
    client = chromadb.PersistentClient(path=str(paths.chroma_dir))
    vector_ids = set(client.get_collection(f"memories-{NAME}").get(include=[])["ids"])
    assert vector_ids == {str(r.uid) for r in rows}


def test_ten_simultaneous_spawns_start_one_daemon(fresh_vault: Path) -> None:
    """Ten hooks firing at once with the daemon down: exactly one daemon starts."""
    import concurrent.futures

    from memem.client.spawn import spawn_daemon, wait_for_daemon

    write_note(fresh_vault, "A", "alpha")
    paths = Paths.resolve(fresh_vault)
    script = (
        "import sys; from memem.config import Paths; from memem.client.spawn import spawn_daemon; "
        f"spawn_daemon(Paths.resolve({str(fresh_vault)!r}), wait=0)"
    )
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        runs = list(pool.map(lambda _: subprocess.run([sys.executable, "-P", "-c", script], timeout=60), range(10)))
    assert all(r.returncode == 0 for r in runs)
    info = wait_for_daemon(paths, 60)
    assert info is not None
    time.sleep(2)  # any extra daemon would have started and failed by now
    spawn_log = (paths.log_dir / "spawn.log").read_text() if (paths.log_dir / "spawn.log").exists() else ""
    assert "not starting" not in spawn_log  # no second daemon was even attempted
    starts = (paths.log_dir / "daemon.log").read_text().count("daemon starting")
    assert starts == 1
    assert spawn_daemon(paths).pid == info.pid  # type: ignore[union-attr]
    assert stop_vault_daemon(paths)
    assert not paths.daemon_file.exists()
