"""The daemon's HTTP edge: the token guard, reading a JSON body, and the one place errors become answers.

Every request must carry the per-install token (`Authorization: Bearer …`); a Host header other than
loopback is refused as well, which closes the DNS-rebinding route from a web page to the daemon.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from memem.errors import BadRequest, MememError

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

Handler = Callable[[Request], Awaitable[Any]]


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


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body)."""
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


def budget_of(data: dict[str, Any]) -> int:
    """The slice's token budget: bounded so a caller can neither starve the slice nor flood a prompt."""
    budget = data.get("budget", 600)
    if isinstance(budget, bool) or not isinstance(budget, int) or not 50 <= budget <= 20_000:
        raise BadRequest("`budget` must be an integer number of tokens from 50 to 20000")
    return budget


def optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"`{name}` must be a non-empty string")
    return value


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    """A route's handler with the error table applied: memem's errors answer their status, a bug a 500."""

    async def answer(request: Request) -> JSONResponse:
        try:
            return JSONResponse(await handler(request))
        except MememError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except Exception as exc:
            log.exception("request %s failed", request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)

    return answer
