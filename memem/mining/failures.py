"""How an extraction can fail, sorted by what the miner does next.

An answer that is cut off or does not fit the schema says nothing about the lessons in the text, only
that the text was too much for one answer: the miner asks again about half of it. A model that cannot
be reached (a 5xx, a timeout, no sign-in) says nothing about the text at all: the miner stops, keeps
its place, and tries again later, a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass

from memem.errors import Unavailable


class MiningFailure(Exception):
    """An extraction that produced no usable answer."""


class AnswerUnusable(MiningFailure):
    """The model answered, but not usably (cut off at its token limit, or not the schema): ask about less text."""


class ModelUnavailable(MiningFailure, Unavailable):
    """The model could not be asked (server error, timeout, refused sign-in): keep the place, try later."""


class BudgetReached(ModelUnavailable):
    """The model was reached, but the call was stopped at its spending limit (Claude Code's
    `--max-budget-usd`) before it answered. Asking again about the same text would spend as much again
    for the same end, so the miner sets the part aside for `memem mine --retry` at once, saying so."""


@dataclass
class Spend:
    """What the extractions of one run cost, for the miner's log and `memem mine --status`."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    usd: float = 0.0

    def add(self, input_tokens: int, output_tokens: int, usd: float) -> None:
        self.calls += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.usd += usd
