"""The daemon's HTTP edge never answers a 500 to what a caller sends: every route, found from the app
itself, gets bodies of the wrong types, lone surrogates, JSON nested thousands deep, bodies that are not
JSON at all, and a payload too large; each is a 4xx naming the problem, and nothing is logged as a bug.

On the real app over a real store, its sync loop running (as the daemon runs it); the size cap is
also checked on a real daemon, whose memory must not grow with what it refused.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from memem.daemon.app import create_app
from memem.daemon.body import MAX_BODY, MAX_DEPTH
from memem.daemon.context import DaemonContext
from memem.daemon.operations import OPERATIONS
from memem.hooks.events import EVENTS
from memem.index.store import IndexStore
from memem.sync.loop import SyncLoop
from memem.testing import RunningDaemon

TOKEN = "the-per-install-token"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",  # what the MCP endpoint asks of a client
}
FIELDS = (
    "query", "queries", "project", "limit", "mode", "include_deprecated", "include_archive", "graph", "rerank",
    "budget", "prompt", "session", "paths", "cwd", "session_id", "transcript_path", "transcript", "content", "title",
    "tags", "kind", "layer", "importance", "links", "ids", "id", "successor", "reason", "source", "target", "remove",
    "around", "offset", "kinds", "path", "project_dir", "team", "push", "model", "apply_safe", "key", "decision",
    "summary", "touched", "count", "texts", "items", "miner",
)  # fmt: skip
"""Every field a route or an operation reads."""
WRONG = (5, -1, 1e308, True, [], {}, [5], {"a": 5}, "", "\x00")
DEEP = 5000


@pytest.fixture
def app(store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Starlette]:
    """The daemon's app over a real store, its sync loop running (reconcile and sync answer)."""
    monkeypatch.setenv("MEMEM_JUDGE", "rules")  # a consolidation the fuzz starts asks no model
    store.reconcile()
    loop = SyncLoop(store)
    loop.start()
    try:
        yield create_app(DaemonContext(store=store, loop=loop, token=TOKEN, started=time.time()))
    finally:
        loop.stop()


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    # A port in the Host header: the MCP endpoint's own check wants one, as every real client sends it.
    with TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False) as client:
        yield client


def every_post(app: Starlette) -> list[str]:
    """Every path the app takes a body on, each path parameter filled with every value it knows, and
    with one it does not."""
    paths: list[str] = []
    for route in app.routes:
        assert isinstance(route, Route), route
        if "POST" not in (route.methods or {"GET", "POST"}):  # no methods: it takes every one (MCP)
            continue
        if "{name}" in route.path:
            paths += [route.path.replace("{name}", name) for name in [*OPERATIONS, "no_such_operation"]]
        elif "{event}" in route.path:
            paths += [route.path.replace("{event}", event) for event in [*EVENTS, "NoSuchEvent"]]
        else:
            assert "{" not in route.path, f"a path parameter the fuzz does not fill: {route.path}"
            paths.append(route.path)
    return paths


def bodies() -> list[bytes]:
    """What a careless or hostile caller sends: every field at once of the wrong type, lone surrogates
    (as JSON escapes, which parse), nesting past any parser's recursion, and no JSON or no object at all."""
    sent = [json.dumps(dict.fromkeys(FIELDS, value)).encode() for value in WRONG]
    sent += [json.dumps({field: "x"}).replace('"x"', '"\\ud800 x"').encode() for field in FIELDS]
    sent += [b'{"query": "ok", "project": "\\udfff"}', b'{"\\ud800": 1}']
    sent += [b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP]
    sent += [json.dumps({field: "@"}).replace('"@"', "[" * DEEP + "]" * DEEP).encode() for field in FIELDS[:12]]
    sent += [b"[]", b"5", b'"x"', b"null", b"{", b"\xff\xfe{}", b'{"query": NaN}']
    # found by a later review: an integer past Python's 4,300 digits, a folder name over 255 bytes, a
    # project name over any file name, a miner's item without its lesson
    sent += [b'{"query": "x", "limit": ' + b"1" * 4301 + b"}"]
    sent += [json.dumps({"cwd": "/tmp/" + "p" * 300, "prompt": "how do we deploy?", "project": "p" * 5000}).encode()]
    sent += [json.dumps({"items": [{}]}).encode(), json.dumps({"items": [{"lesson": 5}]}).encode()]
    return sent


def test_no_body_makes_any_route_answer_a_500(
    app: Starlette, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    paths = every_post(app)
    assert {"/v1/search", "/v1/op/import", "/v1/hook/SessionStart", "/mcp"} <= set(paths)  # found from the app
    failures = []
    with caplog.at_level(logging.ERROR):
        for path in paths:
            for body in bodies():
                answer = client.post(path, content=body, headers=HEADERS)
                if answer.status_code >= 500:
                    failures.append((path, body[:60], answer.status_code, answer.text[:200]))
    assert failures == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # no bug logged either


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/v1/search", b'{"query": "\\ud800"}', "lone surrogate"),
        ("/v1/slice", b'{"query": "\\ud800"}', "lone surrogate"),
        ("/v1/inject", b'{"prompt": "\\ud800 x"}', "lone surrogate"),
        ("/v1/op/save", b'{"content": "' + b"\\udc00" * 3 + b'"}', "lone surrogate"),
        ("/v1/search", b"[" * DEEP + b"]" * DEEP, f"nested more than {MAX_DEPTH} deep"),
        ("/v1/op/save", b'{"content": ' + b"[" * 100 + b"]" * 100 + b"}", f"nested more than {MAX_DEPTH} deep"),
        ("/v1/hook/SessionStart", b'{"cwd": 5}', "`cwd` must be a string"),
        ("/v1/hook/UserPromptSubmit", b'{"prompt": ["x"]}', "`prompt` must be a string"),
        ("/v1/hook/Stop", b'{"transcript_path": {"a": 1}}', "`transcript_path` must be a string"),
        ("/v1/hook/SessionStart", b'{"cwd": "/tmp/\\u0000x"}', "NUL"),
        ("/v1/search", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_what_no_route_can_handle_is_a_400_that_says_why(client: TestClient, path: str, body: bytes, says: str) -> None:
    answer = client.post(path, content=body, headers=HEADERS)
    assert answer.status_code == 400 and says in answer.json()["error"], answer.text


def test_an_emoji_sent_as_a_surrogate_pair_is_text(client: TestClient) -> None:
    """`json.dumps` writes characters outside the BMP as two escapes; together they are one character."""
    body = json.dumps({"query": "deploys on Tuesday 🚀"}).encode()
    assert b"\\ud83d\\ude80" in body
    assert client.post("/v1/search", content=body, headers=HEADERS).status_code == 200


def test_a_body_over_the_cap_is_refused_before_it_is_read(client: TestClient) -> None:
    too_big = b'{"query": "' + b"a" * MAX_BODY + b'"}'
    answer = client.post("/v1/search", content=too_big, headers=HEADERS)
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"query": "'
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    answer = client.post("/v1/search", content=chunks(), headers=HEADERS)
    assert answer.status_code == 413
    assert client.post("/mcp", content=too_big, headers=HEADERS).status_code == 413  # the MCP endpoint too
    under = json.dumps({"query": "deploys " * 1000}).encode()
    assert client.post("/v1/search", content=under, headers=HEADERS).status_code == 200


# --- on a real daemon -------------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1))


def raw_request(daemon: RunningDaemon, head: str, body_chunks: Any = (), read_timeout: float = 10) -> bytes:
    """Send a request by hand (a head, then body chunks until the daemon stops reading) and return what
    comes back; a daemon that answers early and closes may reset the connection under the sender."""
    with socket.create_connection((daemon.info.host, daemon.info.port), timeout=read_timeout) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the daemon's memory from /proc")
def test_a_300_mb_post_does_not_grow_the_daemon(fresh_vault: Path) -> None:
    daemon = RunningDaemon(fresh_vault, {"MEMEM_EMBEDDER": "hash"})
    try:
        daemon.wait_ready()
        before = rss_kb(daemon.proc.pid)
        head = (
            f"POST /v1/op/save HTTP/1.1\r\nHost: 127.0.0.1:{daemon.info.port}\r\nAuthorization: Bearer "
            f"{daemon.token}\r\nContent-Type: application/json\r\nContent-Length: {300 << 20}\r\n\r\n"
        )
        started = time.monotonic()
        answer = raw_request(daemon, head)  # the length alone: answered before a byte of the body is sent
        assert answer.startswith(b"HTTP/1.1 413") and time.monotonic() - started < 5, answer[:200]
        chunked = head.replace(f"Content-Length: {300 << 20}", "Transfer-Encoding: chunked")
        block = b"a" * (1 << 20)
        sent = (b"%x\r\n%s\r\n" % (len(block), block) for _ in range(300))
        answer = raw_request(daemon, chunked, sent)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert rss_kb(daemon.proc.pid) - before < 60_000  # under 60 MB, not 600
        assert daemon.call("GET", "/v1/status")["daemon"]["phase"] == "watching"
    finally:
        daemon.stop()
