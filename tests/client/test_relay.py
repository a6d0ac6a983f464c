"""`memem mcp`, the stdio relay: what it sends the daemon, what it prints, and that it goes away.

Two kinds of daemon here. A real one (slow tests) for exiting and surviving the daemon's death; and a
small stdlib HTTP server that records every request, published in `daemon.json` the way a daemon
publishes itself (this process holds the owner lock), to see exactly which headers the relay sends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.inbound import decode_header_value

from memem import __version__
from memem.client.discovery import DaemonInfo, write_daemon
from memem.config import Paths, load_or_create_token
from memem.sync.lock import OwnerLock
from memem.testing import (
    INITIALIZE,
    RunningDaemon,
    StdioSession,
    ready_daemon,
    stop_vault_daemon,
    wait_for_vault_daemon,
    write_note,
)

SEARCH = {
    "jsonrpc": "2.0", "id": 2, "method": "tools/call",
    "params": {"name": "memory_search", "arguments": {"query": "how do deploys work", "limit": 3}},
}  # fmt: skip


class Recorder(ThreadingHTTPServer):
    """Answers like the daemon's stateless /mcp: JSON for a request, 202 for a notification."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.seen: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200  # what requests get; anything but 200 answers a plain (non-JSON-RPC) error
        self.padding = 0  # bytes of filler in each result, to make answers bigger than a pipe's buffer


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        if "id" not in body:
            self._reply(202, b"")
        elif self.server.status != 200:
            self._reply(self.server.status, b'{"error": "missing or wrong token"}')
        else:
            result: dict[str, Any] = {"filler": "x" * self.server.padding}
            if body["method"] == "initialize":
                result["protocolVersion"] = "2025-06-18"
            self._reply(200, json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": result}).encode())

    def _reply(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder(fresh_vault: Path) -> Iterator[Recorder]:
    """The recorder, found by `memem mcp` as this vault's daemon."""
    paths = Paths.resolve(fresh_vault)
    paths.ensure_state()
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lock = OwnerLock(paths.lock_file, "daemon").acquire()
    write_daemon(paths.daemon_file, DaemonInfo(os.getpid(), "127.0.0.1", server.server_address[1], "", 0, __version__))
    yield server
    lock.release()
    server.shutdown()
    server.server_close()


def session_in(vault: Path, cwd: Path, wait: float = 1) -> StdioSession:
    return StdioSession(vault, cwd=cwd, extra_args=("--wait", str(wait)))


def finish(session: StdioSession, timeout: float = 2) -> float:
    """Close stdin and return how long the relay took to exit; it must exit 0 within `timeout`."""
    session.close_stdin()
    closed = time.monotonic()
    try:
        code = session.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        session.kill()
        pytest.fail(f"`memem mcp` was still running {timeout}s after its stdin closed")
    assert code == 0, session.stderr()
    return time.monotonic() - closed


def project_header(recorder: Recorder) -> set[str | None]:
    return {headers.get("x-memem-project-dir") for headers, _ in recorder.seen}


def test_each_message_is_one_post_with_the_token_and_the_mcp_headers(
    recorder: Recorder, fresh_vault: Path, tmp_path: Path
) -> None:
    session = session_in(fresh_vault, tmp_path)
    assert session.request(INITIALIZE)["result"]["protocolVersion"] == "2025-06-18"
    session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert session.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})["result"]
    finish(session)
    assert session.lines.empty()  # nothing printed for the notification
    methods = [body.get("method") for _, body in recorder.seen]
    assert methods[0] == "initialize" and sorted(methods[1:]) == ["notifications/initialized", "tools/list"]
    token = load_or_create_token(Paths.resolve(fresh_vault).home)
    for headers, _ in recorder.seen:
        assert headers["authorization"] == f"Bearer {token}"
        assert headers["host"] == f"127.0.0.1:{recorder.server_address[1]}"
        assert headers["content-type"] == "application/json"
        assert {"application/json", "text/event-stream"} <= {a.strip() for a in headers["accept"].split(",")}
    versions = {body["method"]: headers.get("mcp-protocol-version") for headers, body in recorder.seen}
    assert versions == {  # the version the daemon agreed, on everything after initialize
        "initialize": None, "notifications/initialized": "2025-06-18", "tools/list": "2025-06-18",
    }  # fmt: skip


def test_the_project_dir_is_the_git_root_of_the_working_folder(
    recorder: Recorder, fresh_vault: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "shop"
    (repo / ".git").mkdir(parents=True)
    (repo / "src" / "api").mkdir(parents=True)
    session = session_in(fresh_vault, repo / "src" / "api")
    session.request(INITIALIZE)
    session.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    finish(session)
    assert project_header(recorder) == {str(repo)}


@pytest.mark.parametrize("name", ["my notes", "notes für später"])
def test_outside_a_repository_the_project_dir_is_the_working_folder(
    recorder: Recorder, fresh_vault: Path, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    session = session_in(fresh_vault, folder)
    session.request(INITIALIZE)
    finish(session)
    (sent,) = project_header(recorder)
    assert sent is not None and decode_header_value(sent) == str(folder)  # the MCP SDK's header encoding
    assert (sent == str(folder)) is name.isascii()  # printable ASCII goes as it is


@pytest.mark.parametrize("where", ["home", "root"])
def test_no_project_dir_from_the_home_folder_or_root(
    recorder: Recorder, fresh_vault: Path, where: str, tmp_path: Path
) -> None:
    session = session_in(fresh_vault, Path.home() if where == "home" else Path("/"))
    session.request(INITIALIZE)
    finish(session)
    assert project_header(recorder) == {None}


def test_daemon_errors_become_json_rpc_errors_with_the_request_id(
    recorder: Recorder, fresh_vault: Path, tmp_path: Path
) -> None:
    recorder.status = 401
    session = session_in(fresh_vault, tmp_path)
    answer = session.request({**INITIALIZE, "id": "init-7"})
    assert answer["error"]["code"] == -32000 and "401" in answer["error"]["message"]
    session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})  # a notification: no answer at all
    session.proc.stdin.write(b"not json\n")  # type: ignore[union-attr]
    session.proc.stdin.flush()  # type: ignore[union-attr]
    unparsable = session.receive()
    assert unparsable["id"] is None and unparsable["error"]["code"] == -32700
    finish(session)
    assert session.lines.empty()


def test_an_unreachable_daemon_is_a_json_rpc_error_not_a_hang(fresh_vault: Path, tmp_path: Path) -> None:
    """daemon.json names a live owner whose port answers nothing: one retry, then an error answer."""
    paths = Paths.resolve(fresh_vault)
    paths.ensure_state()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    with OwnerLock(paths.lock_file, "daemon"):
        write_daemon(paths.daemon_file, DaemonInfo(os.getpid(), "127.0.0.1", dead_port, "", 0, __version__))
        session = session_in(fresh_vault, tmp_path)
        answer = session.request({**INITIALIZE, "id": 41}, timeout=30)
        assert answer["error"]["code"] == -32000 and "unavailable" in answer["error"]["message"]
        finish(session)
    assert "did not answer" in session.stderr()


def test_answers_bigger_than_a_pipe_come_out_whole(recorder: Recorder, fresh_vault: Path, tmp_path: Path) -> None:
    """Twenty answers of 200 kB each in flight at once: every stdout line is one whole message."""
    recorder.padding = 200_000
    session = session_in(fresh_vault, tmp_path)
    for n in range(20):
        session.send({"jsonrpc": "2.0", "id": n, "method": "tools/list"})
    ids = sorted(session.receive()["id"] for _ in range(20))
    assert ids == list(range(20))
    finish(session)


def test_stdin_eof_ends_it_even_before_any_daemon_answers(fresh_vault: Path, tmp_path: Path) -> None:
    """The client gives up at once (no daemon yet, the relay just started one): the relay goes too."""
    session = session_in(fresh_vault, tmp_path)
    try:
        assert finish(session) < 2
    finally:
        paths = Paths.resolve(fresh_vault)
        wait_for_vault_daemon(paths)
        stop_vault_daemon(paths)


@pytest.fixture
def daemon(fresh_vault: Path) -> Iterator[RunningDaemon]:
    write_note(fresh_vault, "Deploys", "Deploys run from the release branch only.", id="deploys", project="shop")
    with ready_daemon(fresh_vault) as running:
        yield running


@pytest.mark.slow
def test_stdin_eof_ends_it_when_idle(daemon: RunningDaemon, tmp_path: Path) -> None:
    session = session_in(daemon.paths.vault, tmp_path)
    assert session.request(INITIALIZE)["result"]["serverInfo"]["name"] == "memem"
    time.sleep(0.5)
    assert session.proc.poll() is None  # idle, waiting for the client
    assert finish(session) < 2


@pytest.mark.slow
def test_stdin_eof_right_after_a_request_still_answers_and_ends_it(daemon: RunningDaemon, tmp_path: Path) -> None:
    session = session_in(daemon.paths.vault, tmp_path)
    session.request(INITIALIZE)
    session.request({**SEARCH, "id": 1})  # the daemon's models warm: the call in flight below takes ms, not a
    session.send(SEARCH)  # cold start's seconds, which the relay's one-second grace is not meant to cover
    assert finish(session) < 2
    answer = session.receive(timeout=1)  # the answer in flight was still printed
    assert answer["id"] == 2 and answer["result"]["structuredContent"]["results"][0]["id"] == "deploys"


@pytest.mark.slow
def test_a_daemon_that_dies_mid_session_is_started_again(daemon: RunningDaemon, tmp_path: Path) -> None:
    session = session_in(daemon.paths.vault, tmp_path, wait=60)
    try:
        session.request(INITIALIZE)
        daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait()
        answer = session.request(SEARCH, timeout=90)
        assert answer["result"]["structuredContent"]["results"][0]["id"] == "deploys"
        assert finish(session) < 2
    finally:
        session.kill()
        stop_vault_daemon(daemon.paths)
    assert "looking for it again" in session.stderr()
