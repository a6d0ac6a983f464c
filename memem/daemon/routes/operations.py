"""/v1/op/<name>: the memory operations table (`memem.daemon.operations`) over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from memem.daemon.context import DaemonContext
from memem.daemon.http import endpoint, read_json
from memem.daemon.operations import perform


def routes(ctx: DaemonContext) -> list[BaseRoute]:
    async def op_route(request: Request) -> Any:
        data = await read_json(request)
        return await run_in_threadpool(perform, ctx.operations(), request.path_params["name"], data)

    return [Route("/v1/op/{name}", endpoint(op_route), methods=["POST"])]
