"""/v1/hook/<event>: the hook shim's fast path, Claude Code's event JSON in, the hook's exact output out."""

from __future__ import annotations

import os
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from memem.client.discovery import clear_hook_stalled
from memem.daemon.context import DaemonContext, DaemonHookBackend
from memem.daemon.http import endpoint, read_json
from memem.errors import BadRequest
from memem.hooks.events import EVENTS, payload_problem, respond
from memem.hooks.events import log as hook_log
from memem.memory.screen import quoted

SESSION_PROJECT_HEADER = "X-Memem-Session-Project"
"""The session's MEMEM_PROJECT, as the hook shim sends it (empty: it set none)."""


def session_env(request: Request) -> dict[str, str]:
    """The asking session's memem variables. The daemon serves every session and was started by one
    of them: its own environment must never decide a session's project, so a request that names none
    gets none (the project then comes from the event's `cwd`)."""
    value = request.headers.get(SESSION_PROJECT_HEADER, "").strip()
    if not value:
        return {}
    return {"MEMEM_PROJECT": value.encode("latin-1", "replace").decode("utf-8", "replace")}


def routes(ctx: DaemonContext) -> list[BaseRoute]:
    backend = DaemonHookBackend(ctx.store)

    async def hook_route(request: Request) -> Any:
        event = request.path_params["event"]
        if event not in EVENTS:
            raise BadRequest(f"no hook event {quoted(event, 'by that name')}; the events are {', '.join(EVENTS)}")
        data = await read_json(request)
        problem = payload_problem(data)
        if problem is not None:
            raise BadRequest(f"{event}: {problem}")
        started = time.monotonic()
        output = await run_in_threadpool(respond, event, data, backend, None, session_env(request))
        # Answered: if the shim gave up waiting on this one, the daemon was slow, not hung.
        clear_hook_stalled(ctx.store.paths.home, ctx.store.paths.vault, os.getpid())
        hook_log(
            ctx.store.paths.home, f"{event} answered by the daemon in {(time.monotonic() - started) * 1000:.0f} ms"
        )
        return output if output is not None else {}

    async def turn_ended_route(request: Request) -> Any:
        """A turn is over (the Stop hook, run as a process): judge the memories shown in it, in a thread."""
        data = await read_json(request)
        session, transcript = data.get("session"), data.get("transcript")
        if not isinstance(session, str) or not isinstance(transcript, str):
            raise BadRequest("`session` and `transcript` must be strings")
        backend.turn_ended(session, transcript)
        return {"judging": True}

    return [
        Route("/v1/hook/{event}", endpoint(hook_route), methods=["POST"]),
        Route("/v1/turn-ended", endpoint(turn_ended_route), methods=["POST"]),
    ]
