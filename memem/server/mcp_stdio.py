"""`memem mcp`: the stdio MCP server Claude Code launches, relaying to the daemon's Streamable HTTP.

The tools live in one place, the daemon (which owns the indexes and is the one writer); this process
only moves JSON-RPC messages between stdin/stdout and `http://127.0.0.1:<port>/mcp`, adding the
token. It starts the daemon first when none runs.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx2
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server

log = logging.getLogger(__name__)


async def _pump(source: Any, sink: Any, label: str) -> None:
    async for item in source:
        if isinstance(item, Exception):
            log.warning("dropping an unreadable message (%s): %s", label, type(item).__name__)
            continue
        await sink.send(item)


async def relay(url: str, token: str) -> None:
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        stdio_server() as (from_client, to_client),
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=timeout) as http,
        streamable_http_client(url, http_client=http) as (from_daemon, to_daemon),
        anyio.create_task_group() as group,
    ):

        async def client_to_daemon() -> None:
            await _pump(from_client, to_daemon, "from the client")
            group.cancel_scope.cancel()  # the client closed stdin: we are done

        group.start_soon(client_to_daemon)
        group.start_soon(_pump, from_daemon, to_client, "from the daemon")


def run(url: str, token: str) -> None:
    anyio.run(relay, url, token)
