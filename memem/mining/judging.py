"""Which model judges beyond mining (consolidation's pairs, the usefulness ledger): the miner's own, and
the one rule for what of a session may be put to it.

The same backends and the same order as mining (`choose`): an API key, else Claude Code's headless
mode, else none, and then only the rules judge. `MEMEM_JUDGE=rules` keeps the model to mining alone
(each Stop would otherwise ask it once more, about the memories recall showed).

**Session text** (a prompt, a reply, tool calls: anything read from a transcript) leaves the machine
only for a person who opted in to mining (`memem mine --enable`). `session_text_may_leave` is the one
place that decides it, and `session_judging_model` the only way the Stop path gets a model: with mining
off it gives none, whatever key or `claude` there is, and the ledger is judged by the words, locally.
Standard library at import (the Stop hook asks it); the backends load only when a model is wanted.
"""

from __future__ import annotations

from memem.mining import optin

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from memem.mining.prompts import PromptedExtractor

MINING_OFF = "rules (mining is off: nothing of a session is sent to a model)"


def session_text_may_leave(home: Path) -> bool:
    """May text read from a session's transcript be sent to a model (the miner's, the ledger's judge)?
    Only when the person opted in to mining; read afresh on every call (`mine --disable` holds at once)."""
    return optin.enabled(home)


def judging_model() -> tuple[PromptedExtractor | None, str]:
    """(the model to ask, its name) or (None, why the rules judge alone). Not for session text: that
    goes through `session_judging_model`."""
    from memem.mining.choose import choose_extractor
    from memem.mining.failures import ModelUnavailable
    from memem.mining.prompts import PromptedExtractor
    from memem.settings import settings

    if settings().judge == "rules":
        return None, "rules (MEMEM_JUDGE=rules)"
    try:
        extractor = choose_extractor()
    except ModelUnavailable as exc:
        return None, f"rules ({exc})"
    if isinstance(extractor, PromptedExtractor):
        return extractor, extractor.name
    return None, "rules (no model: the offline miner)"


def session_judging_model(home: Path) -> tuple[PromptedExtractor | None, str]:
    """The model that may judge what a session said and did (the usefulness ledger at Stop), or (None,
    why not): none unless mining is on, before any backend is even looked for."""
    if not session_text_may_leave(home):
        return None, MINING_OFF
    return judging_model()
