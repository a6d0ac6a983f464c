"""The daemon's token guard, on the real app: health answers without the token (a client asks it before
it trusts a port with the token), every other route refuses a request without one, and a Host header
other than loopback is refused everywhere, health included."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from memem.daemon.app import create_app
from memem.daemon.context import DaemonContext
from memem.index.store import IndexStore
from memem.sync.loop import SyncLoop

TOKEN = "the-per-install-token"


@pytest.fixture
def app(store: IndexStore) -> Starlette:
    """The daemon's app over a real store; its sync loop is never started (the guard answers first)."""
    return create_app(DaemonContext(store=store, loop=SyncLoop(store), token=TOKEN, started=time.time()))


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def every_request(app: Starlette) -> list[tuple[str, str]]:
    """(method, path) for each route the app serves, path parameters filled in."""
    requests = []
    for route in app.routes:
        assert isinstance(route, Route), route
        path = re.sub(r"\{[^}]+\}", "status", route.path)
        for method in sorted((route.methods or {"GET", "POST"}) - {"HEAD"}):
            requests.append((method, path))
    return requests


def test_health_answers_without_the_token_and_tells_only_who_it_is(client: TestClient) -> None:
    answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert set(answer.json()) == {"ok", "pid", "phase", "version"}
    assert answer.json()["ok"] is True and answer.json()["pid"] == os.getpid()
    # With the token (memem's own clients send it everywhere) it answers the same.
    assert client.get("/v1/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "[::1]evil.example", "localhost:80x", ""]
)
def test_health_still_refuses_a_host_other_than_loopback(client: TestClient, host: str) -> None:
    assert client.get("/v1/health", headers={"Host": host}).status_code == 403
    with_token = client.get("/v1/health", headers={"Host": host, "Authorization": f"Bearer {TOKEN}"})
    assert with_token.status_code == 403


def test_every_other_route_refuses_a_request_without_the_right_token(app: Starlette, client: TestClient) -> None:
    requests = every_request(app)
    assert ("POST", "/v1/op/status") in requests and ("POST", "/mcp") in requests  # the routes were all found
    for method, path in requests:
        if (method, path) == ("GET", "/v1/health"):
            continue
        for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"X-Memem-Token": "not-the-token"}):
            answer = client.request(method, path, headers=headers)
            assert answer.status_code == 401, (method, path, headers, answer.text)
    # Only GET is open: the same path by another method, or a path next to it, needs the token.
    assert client.head("/v1/health").status_code == 401
    assert client.post("/v1/health").status_code == 401
    assert client.get("/v1/health/").status_code == 401
    assert client.get("/v1/healthz").status_code == 401


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {TOKEN}"}, {"X-Memem-Token": TOKEN}])
def test_the_token_opens_the_other_routes(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post("/v1/op/no_such_operation", json={}, headers=headers)
    assert answer.status_code not in (401, 403)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8765", "localhost:1", "LOCALHOST", "[::1]:8765", "::1"])
def test_every_spelling_of_loopback_is_a_loopback_host(client: TestClient, host: str) -> None:
    assert client.get("/v1/health", headers={"Host": host}).status_code == 200


def test_two_host_headers_are_refused_whatever_their_order(app: Starlette) -> None:
    """A request with two Host headers was judged by its last one."""
    import asyncio

    async def ask(hosts: list[bytes]) -> int:
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/v1/health", "headers": [(b"host", h) for h in hosts],
                 "query_string": b"", "root_path": "", "scheme": "http", "server": ("127.0.0.1", 1),
                 "asgi": {"version": "3.0"}}  # fmt: skip
        await app(scope, receive, send)  # type: ignore[arg-type]
        return int(sent[0]["status"])  # type: ignore[call-overload]

    assert asyncio.run(ask([b"evil.example", b"127.0.0.1"])) == 403
    assert asyncio.run(ask([b"127.0.0.1", b"evil.example"])) == 403
    assert asyncio.run(ask([b"127.0.0.1"])) == 200
