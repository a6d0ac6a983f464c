"""A local process cannot make the daemon unresponsive by holding connections: any process can connect
to the loopback port, token or not. Half-sent requests are closed past a cap (the longest waiting
first) and after a deadline a trickle of bytes does not extend; the daemon's open-files limit is raised.

The cap on a real daemon; the deadline on uvicorn serving the guarded protocol in this process, with
the deadline shortened so the test does not wait ten seconds per case.
"""

from __future__ import annotations

import contextlib
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from memem.daemon import connections
from memem.testing import RunningDaemon

HALF_SENT = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def closed_by_peer(sock: socket.socket, wait: float = 0.0) -> bool:
    """Whether the other side has closed this connection (within `wait` seconds)."""
    sock.settimeout(wait or 0.001)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def soft_open_files(pid: int) -> int:
    limits = Path(f"/proc/{pid}/limits").read_text()
    match = re.search(r"Max open files\s+(\d+)", limits)
    assert match is not None
    return int(match.group(1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the daemon's limits from /proc")
def test_half_sent_connections_do_not_stop_real_requests(fresh_vault: Path) -> None:
    """300 connections that sent half a request and stopped, past a cap of 50 and a soft limit of 256
    open files the daemon was started with: an authenticated request is still answered at once."""
    daemon = RunningDaemon(fresh_vault, {"MEMEM_EMBEDDER": "hash", "MEMEM_HTTP_CONNECTIONS": "50"}, open_files=256)
    held: list[socket.socket] = []
    try:
        daemon.wait_ready()
        assert soft_open_files(daemon.proc.pid) > 256  # raised at start: the hard limit is not the first met
        for _ in range(300):
            sock = socket.create_connection((daemon.info.host, daemon.info.port))
            sock.sendall(HALF_SENT)
            held.append(sock)
        started = time.monotonic()
        status = daemon.call("GET", "/v1/status", timeout=10)
        assert status["daemon"]["phase"] == "watching" and time.monotonic() - started < 3
        # The longest waiting were closed to make room; the newest are held (until their deadline).
        closed = [closed_by_peer(sock) for sock in held]
        assert sum(closed) >= 250 and not any(closed[-40:])
        assert daemon.call("GET", "/v1/status", timeout=10)["daemon"]["phase"] == "watching"
    finally:
        for sock in held:
            sock.close()
        daemon.stop()


def test_the_open_files_limit_is_raised_toward_the_hard_one() -> None:
    probe = (
        "import resource\n"
        "from memem.daemon.connections import raise_open_files\n"
        "print(*raise_open_files(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))  # noqa: E731 (in the child only)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, preexec_fn=lowered)
    before, after, now = (int(n) for n in done.stdout.split())
    wanted = connections.OPEN_FILES if hard == resource.RLIM_INFINITY else min(connections.OPEN_FILES, hard)
    assert (before, after, now) == (64, wanted, wanted)


# --- the deadline, on uvicorn in this process -------------------------------------------------------


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """uvicorn with the daemon's limits around a route that echoes the body's length."""
    monkeypatch.setattr(connections, "REQUEST_SECONDS", 0.5)

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"length": len(await request.body())})

    app = Starlette(routes=[Route("/echo", echo, methods=["GET", "POST"])])
    limits = {**connections.server_limits(8), "timeout_keep_alive": 1}
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", **limits)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        instance.should_exit = True
        thread.join(10)
        sock.close()


def connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=5)


def test_a_connection_that_sends_nothing_is_closed(server: tuple[str, int]) -> None:
    sock = connect(server)
    assert not closed_by_peer(sock, 0.2)
    assert closed_by_peer(sock, 2.0)


def test_a_trickle_of_bytes_does_not_extend_the_deadline(server: tuple[str, int]) -> None:
    sock = connect(server)
    started = time.monotonic()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for byte in HALF_SENT * 4:
            sock.sendall(bytes([byte]))
            if closed_by_peer(sock, 0.05):
                break
    assert closed_by_peer(sock, 1.0) and time.monotonic() - started < 1.5


def test_a_body_that_stops_half_way_is_closed(server: tuple[str, int]) -> None:
    sock = connect(server)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + b"x" * 50)
    assert closed_by_peer(sock, 2.0)


def test_a_whole_request_is_answered_and_its_connection_kept_alive(server: tuple[str, int]) -> None:
    sock = connect(server)
    for _ in range(2):  # two requests on one connection, the second after the first's deadline would be
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"length":5}')
        time.sleep(0.6)
    assert closed_by_peer(sock, 2.0)  # then idle: closed by the keep-alive timer


def test_past_the_cap_the_longest_waiting_connection_makes_room(server: tuple[str, int]) -> None:
    idle = [connect(server) for _ in range(8)]
    time.sleep(0.05)
    sock = connect(server)
    sock.sendall(b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert closed_by_peer(idle[0], 0.5) and not closed_by_peer(idle[-1])
    for other in [*idle, sock]:
        other.close()


def test_the_daemon_is_configured_with_the_limits() -> None:
    limits = connections.server_limits(50)
    assert limits["limit_concurrency"] == 51 and limits["timeout_keep_alive"] == connections.KEEP_ALIVE_SECONDS
    assert issubclass(limits["http"], connections.GuardedProtocol) and limits["http"].max_connections == 50
