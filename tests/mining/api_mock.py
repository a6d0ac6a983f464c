"""The Anthropic Messages API answered in-process: the real `anthropic` SDK over httpx2.MockTransport.

Responses have the shape the API returns (recorded fields: id, type, role, model, content blocks,
stop_reason, stop_sequence, usage); the text block carries the structured-output JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from memem.mining.extract_claude import ClaudeExtractor


def message(payload: dict[str, Any], model: str = "claude-haiku-5-5") -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": json.dumps(payload)}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 2095,
            "output_tokens": 503,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


class FakeAnthropic:
    """Records each request; `lessons` and `judge` decide the answers."""

    def __init__(
        self,
        lessons: Callable[[str], list[dict[str, Any]]],
        judge: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.lessons = lessons
        self.judge = judge or (lambda pairs: [])
        self.requests: list[dict[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        assert request.url.path == "/v1/messages"
        assert "sk-ant-test" in (request.headers.get("authorization", "") + request.headers.get("x-api-key", ""))
        schema = json.dumps(body["output_config"]["format"]["schema"])
        text = body["messages"][0]["content"]
        if "judgements" in schema:
            pairs = json.loads(text.removeprefix("<pairs>\n").removesuffix("\n</pairs>"))
            return httpx2.Response(200, json=message({"judgements": self.judge(pairs)}))
        return httpx2.Response(200, json=message({"lessons": self.lessons(text)}))

    def extractor(self) -> ClaudeExtractor:
        client = httpx2.Client(transport=httpx2.MockTransport(self.handler))
        return ClaudeExtractor(model="claude-haiku-5-5", api_key="sk-ant-test", http_client=client)


def lesson(title: str, content: str, kind: str = "convention", scope: str = "project", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "content": content,
        "kind": kind,
        "scope": scope,
        "tags": [],
        "importance": 3,
        "evidence": extra.pop("evidence", ""),
        **extra,
    }
