"""/v1/hook/<event>: the hook shim's fast path, Claude Code's event JSON in, the hook's exact output out."""

from __future__ import annotations

import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from memem.daemon.context import DaemonContext, DaemonHookBackend
from memem.daemon.http import endpoint, read_json
from memem.errors import BadRequest
from memem.hooks.events import EVENTS, respond
from memem.hooks.events import log as hook_log


def routes(ctx: DaemonContext) -> list[BaseRoute]:
    backend = DaemonHookBackend(ctx.store)

    async def hook_route(request: Request) -> Any:
        event = request.path_params["event"]
        if event not in EVENTS:
            raise BadRequest(f"unknown hook event {event!r}")
        data = await read_json(request)
        started = time.monotonic()
        output = await run_in_threadpool(respond, event, data, backend)
        hook_log(
            ctx.store.paths.home, f"{event} answered by the daemon in {(time.monotonic() - started) * 1000:.0f} ms"
        )
        return output if output is not None else {}

    return [Route("/v1/hook/{event}", endpoint(hook_route), methods=["POST"])]
