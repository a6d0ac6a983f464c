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


def message(
    payload: dict[str, Any] | str, model: str = "claude-haiku-5-5", stop_reason: str = "end_turn"
) -> dict[str, Any]:
    """A Messages API answer; `payload` is the structured output (or, as a string, the raw text)."""
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": payload if isinstance(payload, str) else json.dumps(payload)}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 2095,
            "output_tokens": 503,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def cut_off(payload: dict[str, Any]) -> httpx2.Response:
    """An answer that hit max_tokens: its JSON stops mid-way."""
    text = json.dumps(payload)
    return httpx2.Response(200, json=message(text[: len(text) // 2], stop_reason="max_tokens"))


def server_error(status: int = 500) -> httpx2.Response:
    kind = "overloaded_error" if status == 529 else "api_error"
    return httpx2.Response(status, json={"type": "error", "error": {"type": kind, "message": "Internal server error"}})


# What `fail` may return instead of the normal answer: a response, or an exception to raise (a timeout).
Failure = httpx2.Response | Exception | None


class FakeAnthropic:
    """Records each request; `lessons` and `judge` decide the answers, `fail` may replace one."""

    def __init__(
        self,
        lessons: Callable[[str], list[dict[str, Any]]],
        judge: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
        fail: Callable[[dict[str, Any]], Failure] | None = None,
        answer: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    ) -> None:
        self.lessons = lessons
        self.judge = judge or (lambda pairs: [])
        self.fail = fail or (lambda body: None)
        self.answer = answer or (lambda body: None)
        """Any other question (the usefulness ledger's): its structured answer, or None for the usual."""
        self.requests: list[dict[str, Any]] = []

    @staticmethod
    def transcript(body: dict[str, Any]) -> str:
        """The conversation text a request carries ('' for a judge request)."""
        text = str(body["messages"][0]["content"])
        return text.split("<transcript>\n", 1)[1] if "<transcript>\n" in text else ""

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        failure = self.fail(body)
        if isinstance(failure, Exception):
            raise failure
        if failure is not None:
            return failure
        assert request.url.path == "/v1/messages"
        assert "sk-ant-test" in (request.headers.get("authorization", "") + request.headers.get("x-api-key", ""))
        schema = json.dumps(body["output_config"]["format"]["schema"])
        text = body["messages"][0]["content"]
        other = self.answer(body)
        if other is not None:
            return httpx2.Response(200, json=message(other))
        if "judgements" in schema:
            pairs = json.loads(text.removeprefix("<pairs>\n").removesuffix("\n</pairs>"))
            return httpx2.Response(200, json=message({"judgements": self.judge(pairs)}))
        return httpx2.Response(200, json=message({"lessons": self.lessons(text)}))

    def extractor(self) -> ClaudeExtractor:
        client = httpx2.Client(transport=httpx2.MockTransport(self.handler))
        extractor = ClaudeExtractor(model="claude-haiku-5-5", api_key="sk-ant-test", http_client=client)
        extractor.client = extractor.client.with_options(max_retries=1)  # the SDK's own retry, kept short
        return extractor

    def extractions(self) -> list[str]:
        """The conversation text of each extraction request, in order."""
        return [self.transcript(b) for b in self.requests if "lessons" in json.dumps(b["output_config"])]


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
