"""The daemon's loopback HTTP API (JSON). Routes are thin: parse, call one service, shape the answer.

Every request must carry the per-install token (`Authorization: Bearer …`); a Host header other than
loopback is refused as well, which closes the DNS-rebinding route from a web page to the daemon.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from memem import __version__
from memem.index.health import health
from memem.index.store import IndexStore
from memem.recall.search import Query, search
from memem.sync.loop import SyncLoop, report_dict

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class BadRequest(ValueError):
    """The request's arguments are wrong; the message says how."""


@dataclass
class DaemonContext:
    store: IndexStore
    loop: SyncLoop
    token: str
    started: float


class TokenGuard:
    """ASGI middleware: loopback Host header and the bearer token, on every HTTP request."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if hostname not in LOOPBACK_HOSTS:
            await JSONResponse({"error": "forbidden host"}, status_code=403)(scope, receive, send)
            return
        auth = headers.get(b"authorization", b"")
        given = auth[7:] if auth[:7].lower() == b"bearer " else headers.get(b"x-memem-token", b"")
        if not given or not hmac.compare_digest(given, self.token):
            await JSONResponse({"error": "missing or wrong token"}, status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def parse_query(data: dict[str, Any]) -> Query:
    text = data.get("query")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("`query` must be a non-empty string")
    limit = data.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200:
        raise BadRequest("`limit` must be an integer from 1 to 200")
    project = data.get("project")
    if project is not None and not isinstance(project, str):
        raise BadRequest("`project` must be a string")
    return Query(
        text=text, project=project or None, limit=limit, include_deprecated=bool(data.get("include_deprecated"))
    )


Handler = Callable[[Request], Awaitable[Any]]


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            return JSONResponse(await handler(request))
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except LookupError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except Exception as exc:
            log.exception("request %s failed", request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)

    return endpoint


def create_app(ctx: DaemonContext) -> Starlette:
    store, loop = ctx.store, ctx.loop

    async def health_route(request: Request) -> Any:
        return {"ok": True, "pid": os.getpid(), "phase": loop.state.phase, "version": __version__}

    async def status_route(request: Request) -> Any:
        data = (await run_in_threadpool(health, store)).as_dict()
        data["daemon"] = {
            "pid": os.getpid(), "phase": loop.state.phase, "uptime": round(time.time() - ctx.started, 1),
            "progress": loop.state.progress, "last_reconcile": loop.state.last_reconcile,
            "last_report": loop.state.last_report, "pending_events": loop.debouncer.pending(),
            "events_applied": loop.state.events_applied, "errors": loop.state.errors,
        }  # fmt: skip
        return data

    async def reconcile_route(request: Request) -> Any:
        future = loop.request_reconcile()
        report = await run_in_threadpool(future.result, 3600)
        return report_dict(report)

    async def sync_route(request: Request) -> Any:
        data = await _json(request)
        paths = data.get("paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise BadRequest("`paths` must be a list of vault-relative paths")
        report = await run_in_threadpool(store.sync_paths, paths)
        return report_dict(report)

    async def search_route(request: Request) -> Any:
        query = parse_query(await _json(request))
        hits = await run_in_threadpool(search, store, query)
        return {"results": [h.as_dict() for h in hits]}

    async def batch_route(request: Request) -> Any:
        data = await _json(request)
        queries = data.get("queries")
        if not isinstance(queries, list):
            raise BadRequest("`queries` must be a list of query objects")
        parsed: list[Query | str] = []
        for item in queries:
            try:
                parsed.append(parse_query(item) if isinstance(item, dict) else "not a query object")
            except BadRequest as exc:
                parsed.append(str(exc))

        def run_all() -> list[Any]:
            return [{"error": q} if isinstance(q, str) else [h.as_dict() for h in search(store, q)] for q in parsed]

        return {"results": await run_in_threadpool(run_all)}

    routes = [
        Route("/v1/health", _endpoint(health_route), methods=["GET"]),
        Route("/v1/status", _endpoint(status_route), methods=["GET"]),
        Route("/v1/reconcile", _endpoint(reconcile_route), methods=["POST"]),
        Route("/v1/sync", _endpoint(sync_route), methods=["POST"]),
        Route("/v1/search", _endpoint(search_route), methods=["POST"]),
        Route("/v1/search/batch", _endpoint(batch_route), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(TokenGuard, token=ctx.token)
    return app
