"""A daemon that stops answering in the middle of a long request ends the wait within seconds, not the
request's minutes; a slow daemon that still answers its health checks is waited for.

A real daemon is frozen with SIGSTOP (the kernel still queues connections to it, so nothing but silence
tells it apart from one at work); stand-in servers on loopback play the slow but healthy daemon.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.client import http
from memem.client.http import DaemonStopped, call
from memem.testing import INITIALIZE, RunningDaemon, StdioSession


def memem(vault: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-P", "-m", "memem", "--vault", str(vault), *args]
    return subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout)


@pytest.fixture
def frozen(fresh_vault: Path) -> Iterator[RunningDaemon]:
    daemon = RunningDaemon(fresh_vault)
    try:
        daemon.wait_ready()
        os.kill(daemon.proc.pid, signal.SIGSTOP)
        yield daemon
    finally:
        os.kill(daemon.proc.pid, signal.SIGCONT)
        daemon.stop()


def test_a_command_against_a_frozen_daemon_says_so_within_seconds(frozen: RunningDaemon) -> None:
    started = time.monotonic()
    done = memem(frozen.paths.vault, "save", "--title", "Ports", "The API listens on port 8443.")
    took = time.monotonic() - started
    # Three missed health checks five seconds apart, plus start-up: far from the 600 s the request allows.
    assert took < 60, took
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the daemon (pid {frozen.proc.pid}) stopped answering" in done.stderr
    assert "health checks in a row" in done.stderr and f"kill {frozen.proc.pid}" in done.stderr


def test_a_tool_call_through_memem_mcp_to_a_frozen_daemon_is_answered_with_an_error(fresh_vault: Path) -> None:
    daemon = RunningDaemon(fresh_vault)
    session = StdioSession(fresh_vault, cwd=fresh_vault)
    try:
        daemon.wait_ready()
        assert "result" in session.request(INITIALIZE)
        os.kill(daemon.proc.pid, signal.SIGSTOP)
        started = time.monotonic()
        search = {
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "memory_search", "arguments": {"query": "how do deploys work"}},
        }  # fmt: skip
        answer = session.request(search, timeout=120)
        assert time.monotonic() - started < 60  # not the 300 s a tool call is allowed
        assert answer["error"]["code"] == -32000 and "health checks" in answer["error"]["message"]
    finally:
        session.kill()
        os.kill(daemon.proc.pid, signal.SIGCONT)
        daemon.stop()


def _server(op_delay: float, health: bool) -> Iterator[int]:
    """A stand-in daemon: `/v1/op/*` answers after `op_delay` seconds; health at once, or never."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            request = conn.recv(65536)
            if request.startswith(b"GET /v1/health"):
                if not health:
                    stop.wait(30)
                    return
                body = json.dumps({"ok": True}).encode()
            else:
                if stop.wait(op_delay):
                    return
                body = json.dumps({"done": True}).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n"
            conn.sendall(head.encode() + body)

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


@pytest.fixture
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Health asked every 0.2 s (as the client does every 5 s), so a stand-in needs seconds, not a minute."""
    monkeypatch.setattr(http, "HEALTH_EVERY", 0.2)
    monkeypatch.setattr(http, "WATCHED_AFTER", 0.8)


def test_a_slow_request_is_waited_for_while_the_daemon_answers_its_health(quick_checks: None) -> None:
    for port in _server(op_delay=3.0, health=True):  # 15 health checks' time
        assert call("127.0.0.1", port, "t", "POST", "/v1/op/import", {}, timeout=60) == {"done": True}


def test_a_request_whose_daemon_answers_nothing_ends_after_three_missed_checks(quick_checks: None) -> None:
    for port in _server(op_delay=30.0, health=False):
        started = time.monotonic()
        with pytest.raises(DaemonStopped) as caught:
            call("127.0.0.1", port, "t", "POST", "/v1/op/import", {}, timeout=60)
        assert time.monotonic() - started < 5
        assert isinstance(caught.value.__cause__, TimeoutError)  # as a timeout: the relay does not send it twice


def test_a_short_request_is_not_watched(quick_checks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    watched: list[int] = []
    monkeypatch.setattr(http, "watched", lambda *args: watched.append(1))
    for port in _server(op_delay=0.0, health=True):
        assert call("127.0.0.1", port, "t", "POST", "/v1/op/get", {}, timeout=0.5) == {"done": True}
    assert watched == []
