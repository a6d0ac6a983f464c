"""Which model judges beyond mining (consolidation's pairs, the usefulness ledger): the miner's own.

The same backends and the same order as mining (`choose`): an API key, else Claude Code's headless
mode, else none, and then only the rules judge. `MEMEM_JUDGE=rules` keeps the model to mining alone
(each Stop would otherwise ask it once more, about the memories recall showed).
"""

from __future__ import annotations

from memem.mining.choose import choose_extractor
from memem.mining.failures import ModelUnavailable
from memem.mining.prompts import PromptedExtractor
from memem.settings import settings


def judging_model() -> tuple[PromptedExtractor | None, str]:
    """(the model to ask, its name) or (None, why the rules judge alone)."""
    if settings().judge == "rules":
        return None, "rules (MEMEM_JUDGE=rules)"
    try:
        extractor = choose_extractor()
    except ModelUnavailable as exc:
        return None, f"rules ({exc})"
    if isinstance(extractor, PromptedExtractor):
        return extractor, extractor.name
    return None, "rules (no model: the offline miner)"
