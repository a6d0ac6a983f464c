"""A request's body: refused above a size before it is read whole, and its JSON checked as it is parsed.

Size. One authenticated 300 MB POST took the daemon from 315 MB to 930 MB of memory, and it stayed:
starlette reads a body whole, then `json.loads` builds it again as objects. The largest request memem's
own clients send is an edit log from the Obsidian plugin (a few notes' text before and after an action;
a note is at most 1 MB, most are a few KB) or a hook's event with a long pasted prompt; an import sends
a path, never a file's contents. So a body is capped at MAX_BODY: a `Content-Length` above it is
answered 413 before a byte of the body is read, and a body sent without one (chunked) is counted as it
arrives and refused the moment it passes the cap. The cap holds for every route, the MCP endpoint too.

JSON. A route reads its body with `parse_json`, which answers 400 for what no route can handle, rather
than letting it become a 500 somewhere inside: a body that is not UTF-8 or not JSON, an array or object
nested deeper than MAX_DEPTH (5,000 deep made the parser raise RecursionError), and a lone surrogate
(`"\\ud800"`, valid JSON, but text no index, screen or encoder can take: it raised TypeError in search
and UnicodeEncodeError in the prompt hook). A surrogate pair, as `json.dumps` writes an emoji, is one
character and passes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memem.errors import BadRequest

MAX_BODY = 4 << 20
MAX_DEPTH = 64
"""Deeper than any request of memem's API (a search in a batch is three levels down)."""
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyLimit:
    """ASGI middleware: a body over MAX_BODY is answered 413, without reading more of it than the cap."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self.too_large(scope, receive, send)
            return
        # Read it here, counting, and hand the app the body whole: no route streams a request.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before its body arrived: no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self.too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.limit / (1 << 20)
        answer = JSONResponse(
            {"error": f"the request's body is larger than {mb:g} MB"},
            status_code=413,
            headers={"Connection": "close"},  # the rest of the body is not read: the connection cannot be reused
        )
        await answer(scope, receive, send)


def parse_json(body: bytes) -> Any:
    """The body's JSON value; BadRequest for a body no route should have to handle (see the module)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(f"the body's JSON is nested more than {MAX_DEPTH} deep") from None
    except ValueError as exc:  # an integer of more digits than Python converts (4,300 by default)
        raise BadRequest(f"body is not JSON memem can read: {str(exc)[:120]}") from None
    check(value)
    return value


def check(value: Any) -> None:
    """BadRequest when a parsed JSON value nests deeper than MAX_DEPTH or holds a lone surrogate.

    Iterative (a stack of (value, depth)), so the check itself has no recursion to run out of."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                raise BadRequest("the body holds a lone surrogate (`\\ud800`–`\\udfff`), which is not text")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BadRequest(f"the body's JSON is nested more than {MAX_DEPTH} deep")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
