"""The daemon's HTTP edge: the token guard, reading a JSON body, and the one place errors become answers.

Every request must carry the per-install token (`Authorization: Bearer …`) but one: `GET /v1/health`,
which a client asks first, to check that the port is this daemon's before it sends the token there (a
`daemon.json` left by a crashed daemon may name a port another process holds now). Health tells only
ok, pid, phase and version. A Host header other than loopback is refused on every request, health too,
which closes the DNS-rebinding route from a web page to the daemon.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from memem.daemon.body import parse_json
from memem.errors import BadRequest, MememError
from memem.memory.screen import redact

log = logging.getLogger(__name__)
_LOOPBACK_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?|::1", re.I)
OPEN_ROUTE = ("GET", "/v1/health")
"""The one request answered without the token: how a client tells this daemon from another process."""

Handler = Callable[[Request], Awaitable[Any]]


class TokenGuard:
    """ASGI middleware: loopback Host header on every HTTP request, the bearer token on all but health."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pairs = scope.get("headers") or []
        headers = dict(pairs)
        # Exactly one Host, loopback and nothing else (`[::1]evil.com` once passed as `[::1]`; with two
        # Host headers, the last one was read).
        hosts = [value for key, value in pairs if key == b"host"]
        if len(hosts) != 1 or not _LOOPBACK_HOST.fullmatch(hosts[0].decode("latin-1")):
            await JSONResponse({"error": "forbidden host"}, status_code=403)(scope, receive, send)
            return
        if (scope.get("method"), scope.get("path")) == OPEN_ROUTE:
            await self.app(scope, receive, send)
            return
        auth = headers.get(b"authorization", b"")
        given = auth[7:] if auth[:7].lower() == b"bearer " else headers.get(b"x-memem-token", b"")
        if not given or not hmac.compare_digest(given, self.token):
            await JSONResponse({"error": "missing or wrong token"}, status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body), checked by `body.parse_json`: no nesting or
    lone surrogate that would fail later as a 500; its size was capped before (`body.BodyLimit`)."""
    try:
        body = await request.body()
    except ClientDisconnect:
        raise BadRequest("the request's body did not arrive") from None
    if not body:
        return {}
    data = parse_json(body)
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
            # Redacted here, once for every route: a message that names what the caller sent (an
            # operation, a key, a path) must not hand a secret back, or into a log that shows answers.
            return JSONResponse({"error": redact(str(exc))}, status_code=exc.status)
        except Exception as exc:
            log.exception("request %s failed", request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)

    return answer
