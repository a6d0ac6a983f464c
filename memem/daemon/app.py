"""The daemon's loopback HTTP API (JSON), assembled: routes by topic, the MCP server, the token guard.

Routes are thin (parse, call one service or operation, shape the answer); they live in
`memem/daemon/routes/`, the MCP tools in `memem/daemon/mcp/`, the edge's rules in `http.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from memem.daemon.body import BodyLimit
from memem.daemon.context import DaemonContext
from memem.daemon.http import TokenGuard
from memem.daemon.mcp import build_mcp
from memem.daemon.routes import hooks, operations, recall, status


def create_app(ctx: DaemonContext) -> Starlette:
    routes: list[BaseRoute] = []
    for module in (status, recall, hooks, operations):
        routes += module.routes(ctx)
    # MCP over Streamable HTTP, behind the same token guard; its session manager lives with the app.
    # Stateless with JSON answers: each message one POST and one answer, as the stdio relay sends them.
    mcp_server = build_mcp(ctx.service, transcripts=ctx.transcripts)
    mcp_app = mcp_server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True)
    routes.extend(mcp_app.routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(BodyLimit)  # inside the guard: no body of a request without the token is read at all
    app.add_middleware(TokenGuard, token=ctx.token)
    return app
