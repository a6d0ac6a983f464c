"""What mining costs: list prices of the models a miner may use, and the estimate `--history` shows.

Prices are USD per million input and output tokens at the standard tier for prompts under 100,000
tokens (a mining chunk is far smaller), as Anthropic lists them; MEMEM_MINER_PRICES overrides them for
a model this table does not know or a price that changed. Claude 4.7 and later count about 30% more
tokens for the same text than earlier models, so the estimate counts characters per token by family.
"""

from __future__ import annotations

from memem.settings import settings

PRICES: dict[str, tuple[float, float]] = {
    "claude-haiku-5-5": (0.10, 0.50),
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-6": (3.0, 15.0),
}
FALLBACK = "claude-haiku-5-5"
_OLD_TOKENIZER = ("claude-haiku-4", "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-opus-4-5", "claude-opus-4-6")


def prices(model: str) -> tuple[float, float]:
    """Input and output price per million tokens for `model` (an override wins; unknown: the fallback's)."""
    override = settings().miner_prices
    if override:
        return override
    for name, price in PRICES.items():
        if model == name or model.startswith(name + "-"):  # dated ids: claude-haiku-4-5-20251001
            return price
    return PRICES[FALLBACK]


def chars_per_token(model: str) -> float:
    return 4.0 if model.startswith(_OLD_TOKENIZER) else 3.1


def cost(model: str, input_tokens: int, output_tokens: int) -> float:
    p_in, p_out = prices(model)
    return input_tokens / 1e6 * p_in + output_tokens / 1e6 * p_out
