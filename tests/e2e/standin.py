"""A loopback stand-in for the Anthropic Messages API, so the real Claude Code runs offline in tests.

It answers `POST /v1/messages` the way the API does: server-sent events when the request streams
(Claude Code), plain JSON otherwise (the anthropic SDK in memem's miner). Every request body is
recorded. What it answers is up to a `responder` the test supplies: text, or a tool call.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]  # {"text": str}, {"tool_use": {"name": str, "input": dict}} or {"status": 500}
Responder = Callable[[dict[str, Any]], Reply]


def _message(reply: Reply, model: str) -> dict[str, Any]:
    if "tool_use" in reply:
        block: dict[str, Any] = {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:24]}", **reply["tool_use"]}
        stop = "tool_use"
    else:
        block = {"type": "text", "text": reply.get("text", "")}
        stop = "end_turn"
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [block],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 25,
            "output_tokens": 12,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _sse(message: dict[str, Any]) -> bytes:
    events: list[tuple[str, dict[str, Any]]] = []
    start = {**message, "content": [], "stop_reason": None}
    events.append(("message_start", {"type": "message_start", "message": start}))
    block = message["content"][0]
    if block["type"] == "text":
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            )
        )
        events.append(
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": block["text"]}},
            )
        )
    else:
        empty = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": empty}))
        partial = json.dumps(block["input"])
        events.append(
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": partial},
                },
            )
        )
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": 12},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


class StandIn:
    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.startswith("/v1/messages") or self.path.startswith("/v1/messages/count_tokens"):
                    self._json({"input_tokens": 100} if "count_tokens" in self.path else {})
                    return
                with outer._lock:
                    outer.requests.append(body)
                reply = outer.responder(body)
                if "status" in reply:  # an API error, in the API's error shape
                    kind = {529: "overloaded_error", 401: "authentication_error"}.get(reply["status"], "api_error")
                    error = {"type": "error", "error": {"type": kind, "message": "stand-in failure"}}
                    self._json(error, reply["status"])
                    return
                message = _message(reply, body.get("model", "claude-stand-in"))
                if body.get("stream"):
                    data = _sse(message)
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._json(message)

            def do_GET(self) -> None:
                self._json({"data": [], "has_more": False})

            def _json(self, data: Any, status: int = 200) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
