"""/v1/health, /v1/status, /v1/reconcile, /v1/sync: the daemon and its indexes."""

from __future__ import annotations

import os
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from memem import __version__
from memem.daemon.context import DaemonContext
from memem.daemon.http import endpoint, read_json
from memem.errors import BadRequest
from memem.index.health import health
from memem.recall.rerank import loaded_reranker
from memem.sync.loop import report_dict


def routes(ctx: DaemonContext) -> list[BaseRoute]:
    store, loop = ctx.store, ctx.loop

    async def health_route(request: Request) -> Any:
        # Answered without the token (http.OPEN_ROUTE): a client checks the pid here before it trusts the
        # port with the token, so this must stay these four fields and tell nothing about the vault.
        return {"ok": True, "pid": os.getpid(), "phase": loop.state.phase, "version": __version__}

    async def status_route(request: Request) -> Any:
        data = (await run_in_threadpool(health, store)).as_dict()
        state = loop.state
        data["daemon"] = {
            "pid": os.getpid(), "phase": state.phase, "uptime": round(time.time() - ctx.started, 1),
            "progress": state.progress, "last_reconcile": state.last_reconcile, "last_report": state.last_report,
            "pending_events": loop.debouncer.pending(), "events_applied": state.events_applied,
            "errors": state.errors, "last_error": state.last_error, "watch_error": state.watch_error,
            "team_sync": ctx.teams.state() if ctx.teams is not None else None,
        }  # fmt: skip
        reranker = loaded_reranker(store)
        data["rerank_budgets"] = reranker.budgets() if reranker is not None else None
        for result in ctx.teams.last_results if ctx.teams is not None else []:
            if result.error:
                data["problems"].append({
                    "severity": "warning", "what": f"the team vault {result.team} could not be pulled: {result.error}",
                    "fix": f"run `memem team sync {result.team}` to see it again; recall uses the notes it has",
                    "path": None,
                })  # fmt: skip
        if state.watch_error:
            data["problems"].append({
                "severity": "warning",
                "what": f"the daemon cannot follow file events ({state.watch_error}): it re-reads the vault "
                        f"every {loop.poll_interval():.0f} s instead, so an edit can take that long to be found",
                "fix": "remove a folder nested hundreds deep, or raise fs.inotify.max_user_watches; "
                       "memem tries to watch again every few minutes",
                "path": None,
            })  # fmt: skip
        if state.last_error and state.failed_reconciles == 0:
            # A failing sync of file events (a failed reconcile is already reported from the catalog).
            data["problems"].append({
                "severity": "error", "what": f"the daemon's {state.last_error}",
                "fix": f"see {store.paths.log_dir / 'daemon.log'}; it retries by itself", "path": None,
            })  # fmt: skip
        return data

    async def reconcile_route(request: Request) -> Any:
        report = await run_in_threadpool(loop.request_reconcile().result, 3600)
        return report_dict(report)

    async def sync_route(request: Request) -> Any:
        paths = (await read_json(request)).get("paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise BadRequest("`paths` must be a list of vault-relative paths")
        return report_dict(await run_in_threadpool(store.sync_paths, paths))

    return [
        Route("/v1/health", endpoint(health_route), methods=["GET"]),
        Route("/v1/status", endpoint(status_route), methods=["GET"]),
        Route("/v1/reconcile", endpoint(reconcile_route), methods=["POST"]),
        Route("/v1/sync", endpoint(sync_route), methods=["POST"]),
    ]
