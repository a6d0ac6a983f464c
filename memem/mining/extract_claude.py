"""Extracting lessons (and judging them against existing memories) with a Claude model via the SDK.

Used when ANTHROPIC_API_KEY is set. The transcript is data, fenced and redacted of secrets before it
leaves the machine (see `prompts`); the answer comes back as structured output checked against a
schema. Failures are sorted for the miner (see `failures`): a cut-off or malformed answer is
`AnswerUnusable`, an unreachable model is `ModelUnavailable`.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from memem.mining import prices
from memem.mining.failures import AnswerUnusable, ModelUnavailable, Spend
from memem.mining.prompts import Answer, PromptedExtractor
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
            message = self.client.messages.parse(
                model=self.model,
                max_tokens=MAX_TOKENS,
                system=system,
                messages=[{"role": "user", "content": prompt}],
                output_format=schema,
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
            raise ModelUnavailable(f"the API could not be reached: {exc}") from None
        except (ValidationError, ValueError) as exc:
            # The SDK parses the answer as it arrives: text that is not the schema fails here.
            raise AnswerUnusable(f"the answer did not fit the schema: {str(exc)[:200]}") from None
        usage = message.usage
        self.spent.add(
            usage.input_tokens, usage.output_tokens, prices.cost(self.model, usage.input_tokens, usage.output_tokens)
        )
        if message.stop_reason == "max_tokens":
            raise AnswerUnusable(f"the answer was cut off at {MAX_TOKENS} tokens")
        parsed = message.parsed_output
        if parsed is None:
            raise AnswerUnusable("the answer carried no structured output")
        return parsed  # type: ignore[no-any-return]
