"""Extracting lessons (and judging them against existing memories) with a Claude model via the SDK.

Used when ANTHROPIC_API_KEY is set. The transcript is data, fenced and redacted of secrets before it
leaves the machine (see `prompts`); the answer comes back as structured output checked against a
schema. Failures are sorted for the miner (see `failures`): a cut-off or malformed answer is
`AnswerUnusable`, an unreachable model is `ModelUnavailable`, and so is a 200 that is not a Messages
API answer at all (a proxy's HTML page, JSON of another shape): it says nothing about the text. Every
call that came back with its usage is counted in `spent`, whether or not its answer was usable.
"""

from __future__ import annotations

import os
import re
from typing import Any

from pydantic import ValidationError

from memem.mining import prices
from memem.mining.failures import AnswerUnusable, ModelUnavailable, Spend
from memem.mining.prompts import Answer, PromptedExtractor, one_line, schema_misfit
from memem.settings import settings

DEFAULT_MODEL = "claude-haiku-5-5"
"""The newest small, fast model the SDK knows; override with MEMEM_MINER_MODEL."""
MAX_TOKENS = 8000
"""Room for a long list of lessons from one chunk; an answer cut off here is retried on half the text."""


def _client(api_key: str | None = None, http_client: Any = None) -> Any:
    import anthropic

    kwargs: dict[str, Any] = {"max_retries": 2, "timeout": 120.0}
    if http_client is not None:
        kwargs["http_client"] = http_client
    return anthropic.Anthropic(api_key=api_key or os.environ.get("ANTHROPIC_API_KEY"), **kwargs)


class ClaudeExtractor(PromptedExtractor):
    name = "claude"

    def __init__(self, model: str | None = None, api_key: str | None = None, http_client: Any = None) -> None:
        self.model = model or settings().miner_model or DEFAULT_MODEL
        self.client = _client(api_key, http_client)
        self.spent = Spend()

    def _ask(self, system: str, prompt: str, schema: type[Answer]) -> Answer:
        import anthropic

        try:
            # The raw response, read here: what came back is sorted before anything trusts its shape.
            raw = self.client.messages.with_raw_response.create(
                model=self.model,
                max_tokens=MAX_TOKENS,
                system=system,
                messages=[{"role": "user", "content": prompt}],
                output_config={"format": {"type": "json_schema", "schema": anthropic.transform_schema(schema)}},
            )
        except anthropic.APIStatusError as exc:
            if exc.status_code == 400 and "too long" in str(exc).lower():
                raise AnswerUnusable("the text is too long for one request") from None
            if exc.status_code in (401, 403):
                raise ModelUnavailable(f"the API refused the key (HTTP {exc.status_code})") from None
            raise ModelUnavailable(f"the API answered HTTP {exc.status_code}") from None
        except anthropic.APITimeoutError:
            raise ModelUnavailable("the API did not answer in time") from None
        except anthropic.APIConnectionError as exc:
            raise ModelUnavailable(f"the API could not be reached: {one_line(str(exc))}") from None
        message = _message(raw.http_response)
        self._account(message["usage"])
        if message.get("stop_reason") == "max_tokens":
            raise AnswerUnusable(f"the answer was cut off at {MAX_TOKENS} tokens")
        texts = [b["text"] for b in message["content"] if b.get("type") == "text" and isinstance(b.get("text"), str)]
        if not texts:
            if message.get("stop_reason") == "refusal":  # about this text: asked about less, it may answer
                raise AnswerUnusable("the model declined to answer about this text")
            # A message with no answer in it, which structured output never gives: the service's fault,
            # not the text's (halving the text would set all of it aside in one Stop).
            raise ModelUnavailable("the API answered with a message that carries no answer")
        try:
            return schema.model_validate_json(texts[0])
        except ValidationError as exc:
            raise AnswerUnusable(schema_misfit(exc, schema)) from None

    def _account(self, usage: dict[str, int]) -> None:
        """Every call that came back with its usage counts, whatever its answer was worth."""
        tokens_in, tokens_out = usage["input_tokens"], usage["output_tokens"]
        self.spent.add(tokens_in, tokens_out, prices.cost(self.model, tokens_in, tokens_out))


def _tokens(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _message(response: Any) -> dict[str, Any]:
    """The Messages API answer in a 200 response. Anything else (an HTML page from a proxy, JSON of
    another shape) says nothing about the text asked about: the model could not be asked."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    status = response.status_code
    if kind != "application/json":
        named = kind if re.fullmatch(r"[a-z0-9.+-]{1,40}/[a-z0-9.+-]{1,60}", kind) else "a body of no known type"
        raise ModelUnavailable(f"the API answered HTTP {status} with {named}, not a message")
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON (or numbers too long to read)
        raise ModelUnavailable(f"the API answered HTTP {status} with a body that is not JSON") from None
    usage = body.get("usage") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or body.get("type") != "message"
        or not isinstance(body.get("content"), list)
        or not all(isinstance(block, dict) for block in body["content"])
        or not isinstance(usage, dict)
        or not (_tokens(usage.get("input_tokens")) and _tokens(usage.get("output_tokens")))
    ):
        raise ModelUnavailable(f"the API answered HTTP {status} with JSON that is not a message")
    return body
