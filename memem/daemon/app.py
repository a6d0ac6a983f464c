"""The daemon's loopback HTTP API (JSON). Routes are thin: parse, call one service, shape the answer.

Every request must carry the per-install token (`Authorization: Bearer …`); a Host header other than
loopback is refused as well, which closes the DNS-rebinding route from a web page to the daemon.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from memem import __version__
from memem.errors import BadRequest, MememError
from memem.hooks.events import log as hook_log
from memem.hooks.events import respond as respond_to_hook
from memem.index.health import health
from memem.index.store import IndexStore
from memem.memory.importer import allowed_roots, import_path
from memem.memory.service import MemoryService, SaveRequest
from memem.mining import apply as mining_apply
from memem.mining.chat_import import mine_export
from memem.mining.transcript_search import TranscriptSearch
from memem.recall.inject import inject
from memem.recall.query import Query, parse_query
from memem.recall.search import pinned_hits, search
from memem.recall.slice import render as render_slice
from memem.sync.loop import SyncLoop, report_dict

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@dataclass
class DaemonContext:
    store: IndexStore
    loop: SyncLoop
    token: str
    started: float
    service: MemoryService = field(init=False)
    transcripts: TranscriptSearch = field(default_factory=TranscriptSearch)

    def __post_init__(self) -> None:
        self.service = MemoryService(self.store)


class DaemonHookBackend:
    """Recall for hook events, in the daemon's own process."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.paths = store.paths

    def inject(self, prompt: str, project: str | None, budget: int) -> str:
        injected = inject(self.store, prompt, project, budget)
        shown = list(injected.shown)
        hook_log(self.paths.home, f"UserPromptSubmit project={project} shown={shown} ({injected.reason})")
        return injected.markdown

    def session(self, project: str | None, budget: int) -> str:
        return render_slice(pinned_hits(self.store, project), budget, project).markdown


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


Handler = Callable[[Request], Awaitable[Any]]


def _budget(data: dict[str, Any]) -> int:
    """The slice's token budget: bounded so a caller can neither starve the slice nor flood a prompt."""
    budget = data.get("budget", 600)
    if isinstance(budget, bool) or not isinstance(budget, int) or not 50 <= budget <= 20_000:
        raise BadRequest("`budget` must be an integer number of tokens from 50 to 20000")
    return budget


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            return JSONResponse(await handler(request))
        except MememError as exc:  # the error table (memem.errors): each knows its status
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
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
            "pid": os.getpid(),
            "phase": loop.state.phase,
            "uptime": round(time.time() - ctx.started, 1),
            "progress": loop.state.progress,
            "last_reconcile": loop.state.last_reconcile,
            "last_report": loop.state.last_report,
            "pending_events": loop.debouncer.pending(),
            "events_applied": loop.state.events_applied,
            "errors": loop.state.errors,
            "last_error": loop.state.last_error,
        }
        if loop.state.last_error and loop.state.failed_reconciles == 0:
            # A failing sync of file events (a failed reconcile is already reported from the catalog).
            data["problems"].append({
                "severity": "error", "what": f"the daemon's {loop.state.last_error}",
                "fix": f"see {store.paths.log_dir / 'daemon.log'}; it retries by itself", "path": None,
            })  # fmt: skip
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

    async def slice_route(request: Request) -> Any:
        data = await _json(request)
        budget = _budget(data)
        data.setdefault("include_archive", False)  # layer 3 only on an explicit search
        query = parse_query(data)

        def build() -> dict[str, Any]:
            hits = search(store, query)
            rendered = render_slice(hits, budget, query.project)
            return {
                "markdown": rendered.markdown,
                "shown": list(rendered.shown),
                "tokens": rendered.tokens,
                "hits": [h.as_dict() for h in hits],
            }

        return await run_in_threadpool(build)

    async def inject_route(request: Request) -> Any:
        """What the UserPromptSubmit hook adds to a prompt: memories above the relevance floor, or nothing."""
        data = await _json(request)
        prompt = data.get("prompt")
        if not isinstance(prompt, str):
            raise BadRequest("`prompt` must be a string")
        project = _str(data, "project", False)
        budget = _budget(data)
        injected = await run_in_threadpool(inject, store, prompt, project, budget)
        return {"markdown": injected.markdown, "shown": list(injected.shown), "reason": injected.reason}

    hook_backend = DaemonHookBackend(store)

    async def hook_route(request: Request) -> Any:
        """The hook shim's fast path: Claude Code's event JSON in, the hook's exact output out."""
        event = request.path_params["event"]
        if event not in ("SessionStart", "UserPromptSubmit", "Stop"):
            raise BadRequest(f"unknown hook event {event!r}")
        data = await _json(request)
        started = time.monotonic()
        output = await run_in_threadpool(respond_to_hook, event, data, hook_backend)
        hook_log(store.paths.home, f"{event} answered by the daemon in {(time.monotonic() - started) * 1000:.0f} ms")
        return output if output is not None else {}

    async def session_route(request: Request) -> Any:
        """What the SessionStart hook primes: the project's pinned (layer 0) memories."""
        data = await _json(request)
        project = _str(data, "project", False)
        budget = _budget(data)

        def build() -> dict[str, Any]:
            pinned = pinned_hits(store, project)
            rendered = render_slice(pinned, budget, project)
            return {"markdown": rendered.markdown, "shown": list(rendered.shown)}

        return await run_in_threadpool(build)

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

    service = ctx.service

    def _str(data: dict[str, Any], name: str, required: bool = True) -> str | None:
        value = data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"`{name}` must be a non-empty string")
        return value

    def _save(data: dict[str, Any]) -> Any:
        links = data.get("links") or {}
        if not isinstance(links, dict) or not all(isinstance(v, list) for v in links.values()):
            raise BadRequest("`links` must map link kinds to lists of ids")
        tags = data.get("tags") or []
        if not isinstance(tags, list):
            raise BadRequest("`tags` must be a list")
        req = SaveRequest(
            content=_str(data, "content") or "",
            title=_str(data, "title", False),
            tags=tuple(tags),
            project=_str(data, "project", False),
            kind=_str(data, "kind", False),
            layer=data.get("layer"),
            importance=data.get("importance"),
            links=links,
        )
        return asdict(service.save(req))

    def _import(data: dict[str, Any]) -> Any:
        roots = allowed_roots(store.paths, _str(data, "project_dir", False))
        source = Path(_str(data, "path") or "")
        chat = partial(mine_export, service)
        return import_path(service, source, roots, _str(data, "project", False), chat).as_dict()

    # The memory operations, by name: one JSON route for the CLI, the hooks and the Obsidian plugin.
    operations: dict[str, Callable[[dict[str, Any]], Any]] = {
        "save": _save,
        "get": lambda d: service.get(d.get("ids") or []),
        "deprecate": lambda d: service.deprecate(
            _str(d, "id") or "", _str(d, "successor", False), _str(d, "reason", False)
        ),
        "link": lambda d: service.link(
            _str(d, "source") or "", _str(d, "target") or "", _str(d, "kind") or "", bool(d.get("remove"))
        ),
        "timeline": lambda d: service.timeline(_str(d, "id") or "", int(d.get("around", 5))),
        "list": lambda d: service.list_memories(
            _str(d, "project", False), int(d.get("limit", 50)), int(d.get("offset", 0))
        ),
        "neighbors": lambda d: service.neighbors(_str(d, "id") or "", d.get("kinds")),
        "graph_audit": lambda d: service.graph_audit(),
        "import": _import,
        "transcripts": lambda d: ctx.transcripts.search(
            _str(d, "query") or "", _str(d, "project", False), int(d.get("limit", 10))
        ),
        "mine_similar": lambda d: mining_apply.similar(service, list(d.get("texts") or []), _str(d, "project", False)),
        "mine_apply": lambda d: mining_apply.apply(
            service,
            list(d.get("items") or []),
            _str(d, "project", False),
            _str(d, "session_id", False),
            str(d.get("miner") or "?"),
        ),
    }

    async def op_route(request: Request) -> Any:
        name = request.path_params["name"]
        operation = operations.get(name)
        if operation is None:
            raise LookupError(f"no operation {name!r}; known: {', '.join(sorted(operations))}")
        data = await _json(request)
        return await run_in_threadpool(operation, data)

    routes: list[BaseRoute] = [
        Route("/v1/health", _endpoint(health_route), methods=["GET"]),
        Route("/v1/status", _endpoint(status_route), methods=["GET"]),
        Route("/v1/reconcile", _endpoint(reconcile_route), methods=["POST"]),
        Route("/v1/sync", _endpoint(sync_route), methods=["POST"]),
        Route("/v1/search", _endpoint(search_route), methods=["POST"]),
        Route("/v1/search/batch", _endpoint(batch_route), methods=["POST"]),
        Route("/v1/slice", _endpoint(slice_route), methods=["POST"]),
        Route("/v1/inject", _endpoint(inject_route), methods=["POST"]),
        Route("/v1/session", _endpoint(session_route), methods=["POST"]),
        Route("/v1/hook/{event}", _endpoint(hook_route), methods=["POST"]),
        Route("/v1/op/{name}", _endpoint(op_route), methods=["POST"]),
    ]
    # MCP over Streamable HTTP, behind the same token guard; its session manager lives with the app.
    from memem.daemon.mcp_tools import build_mcp

    mcp_server = build_mcp(service, transcripts=ctx.transcripts)
    mcp_app = mcp_server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True)
    routes.extend(mcp_app.routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(TokenGuard, token=ctx.token)
    return app
