"""The Python client's time bounds and early answers, and `memem mcp` failing fast, against real processes.

Stand-in servers on loopback play the misbehaving daemon (one trickling its answer, one answering 413
without reading the request, one that never answers); `memem mcp` and `memem save` run as processes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from memem import __version__
from memem.client.discovery import DaemonInfo, write_daemon
from memem.client.http import DaemonError, DaemonUnavailable, call, exchange
from memem.client.spawn import spawn_daemon, spawn_failure
from memem.config import Paths
from memem.sync.lock import OwnerLock
from memem.testing import INITIALIZE, RunningDaemon, StdioSession


def serve(behave: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    conns: list[socket.socket] = []

    def loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=behave, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in conns:
        conn.close()


def read_head(conn: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(65536)
        if not chunk:
            break
        head += chunk
    return head


def trickle(conn: socket.socket) -> None:
    """Answers one byte every 0.3 s, forever: each recv gets something, the whole never ends."""
    try:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while True:
            conn.sendall(b"x")
            time.sleep(0.3)
    except OSError:
        pass


def refuse_unread(conn: socket.socket) -> None:
    """The daemon's body cap: 413 as soon as the head says too big, then close, the body unread."""
    try:
        read_head(conn)
        body = b'{"error": "the request body is over 4 MB"}'
        head = b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        conn.sendall(head + b"Connection: close\r\n\r\n" + body)  # one write, as the daemon's (TCP_NODELAY)
        conn.close()
    except OSError:
        pass


def hang(conn: socket.socket) -> None:
    time.sleep(120)


@pytest.fixture
def trickling() -> Iterator[int]:
    yield from serve(trickle)


@pytest.fixture
def refusing() -> Iterator[int]:
    yield from serve(refuse_unread)


def test_the_timeout_bounds_the_whole_exchange_not_each_read(trickling: int) -> None:
    started = time.monotonic()
    with pytest.raises(DaemonUnavailable) as caught:
        exchange("127.0.0.1", trickling, "t", "POST", "/v1/inject", b"{}", timeout=1.5)
    took = time.monotonic() - started
    assert took < 3, f"{took:.1f}s: a byte now and then kept the exchange alive"  # was: never timed out
    assert isinstance(caught.value.__cause__, TimeoutError)  # what callers treat as "it may still run"


def test_an_answer_given_before_the_request_was_read_is_reported(refusing: int) -> None:
    with pytest.raises(DaemonError) as caught:
        call("127.0.0.1", refusing, "t", "POST", "/v1/memories", {"body": "x" * 20_000_000}, timeout=10)
    assert caught.value.status == 413 and "over 4 MB" in str(caught.value)  # was: "Connection reset by peer"


def test_an_answer_shorter_than_announced_is_no_answer() -> None:
    def short(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"markdown": "cut')
        conn.close()

    port = next(gen := serve(short))
    try:
        with pytest.raises(DaemonUnavailable, match="incomplete"):
            call("127.0.0.1", port, "t", "POST", "/v1/inject", {}, timeout=5)
    finally:
        gen.close()


@pytest.mark.slow
def test_an_oversized_save_through_the_daemon_says_the_daemons_refusal(fresh_vault: Path) -> None:
    daemon = RunningDaemon(fresh_vault)
    try:
        done = subprocess.run(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "save", "-"],
            input="lesson " * 7_000_000, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode != 0
        assert "did not answer" not in done.stderr and "reset by peer" not in done.stderr, done.stderr
        assert "413" in done.stderr or "4 MB" in done.stderr or "too large" in done.stderr.lower(), done.stderr
    finally:
        daemon.stop()


# --- `memem mcp` -----------------------------------------------------------------------------------------------


def test_mcp_with_a_vault_that_does_not_exist_fails_at_once_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-vault"
    session = StdioSession(missing, cwd=tmp_path)  # `--wait` is the default 60 s
    try:
        started = time.monotonic()
        session.send(INITIALIZE)
        answer = session.receive(timeout=30)
        took = time.monotonic() - started
        assert took < 10, f"{took:.1f}s: the relay waited out --wait for a spawn that had failed"  # was 60 s
        assert answer["error"]["code"] == -32000
        assert "does not exist" in answer["error"]["message"] or "no-such-vault" in answer["error"]["message"]
    finally:
        session.kill()


def test_spawn_daemon_stops_waiting_when_the_spawn_failed(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "missing-vault")
    started = time.monotonic()
    assert spawn_daemon(paths, wait=60) is None
    assert time.monotonic() - started < 10
    reason = spawn_failure(paths)
    assert reason is not None and "missing-vault" in reason


@pytest.fixture
def hung_daemon(fresh_vault: Path) -> Iterator[Path]:
    """A stand-in published as the vault's daemon (owner lock held, daemon.json): it never answers."""
    paths = Paths.resolve(fresh_vault)
    paths.ensure_state()
    lock = OwnerLock(paths.lock_file, "daemon").acquire()
    gen = serve(hang)
    port = next(gen)
    write_daemon(paths.daemon_file, DaemonInfo(os.getpid(), "127.0.0.1", port, "", 0, __version__))
    yield fresh_vault
    gen.close()
    lock.release()


def test_mcp_answers_initialize_with_an_error_before_the_client_gives_up(hung_daemon: Path, tmp_path: Path) -> None:
    session = StdioSession(hung_daemon, cwd=tmp_path)
    try:
        started = time.monotonic()
        session.send(INITIALIZE)
        answer = session.receive(timeout=40)
        took = time.monotonic() - started
        assert took < 15, f"{took:.1f}s"  # Claude Code gives a server ~30 s; was: no answer for 300 s
        assert answer["id"] == INITIALIZE["id"] and answer["error"]["code"] == -32000
        assert "unavailable" in json.dumps(answer)
    finally:
        session.kill()
