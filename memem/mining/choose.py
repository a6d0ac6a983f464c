"""Which extractor mines: a Claude model through the SDK, through Claude Code's headless mode, or none.

The person's setup decides, in this order unless MEMEM_MINER names one: an API key (the SDK: the
cheapest and fastest way to ask a model), then the `claude` executable (headless `claude -p`: the
person's own Claude Code sign-in pays, so people without a key get a model too), then the offline
extractor. A choice named explicitly that cannot run is an error that says what is missing, never a
silent fall back to something else.
"""

from __future__ import annotations

import os
import shutil

from memem.mining.failures import ModelUnavailable
from memem.mining.miner import Extractor
from memem.settings import settings

CHOICES = ("api", "claude-code", "offline")


def claude_executable() -> str | None:
    """The Claude Code executable headless mining would run, if there is one."""
    named = settings().claude
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else shutil.which(named)
    return shutil.which("claude")


def available() -> str:
    """The extractor an automatic choice lands on now: `api`, `claude-code` or `offline`."""
    if os.environ.get("ANTHROPIC_API_KEY"):
        return "api"
    if claude_executable():
        return "claude-code"
    return "offline"


def choose_extractor(choice: str | None = None) -> Extractor:
    """The extractor for `choice` (else MEMEM_MINER, else the first that can run)."""
    wanted = choice or settings().miner or available()
    if wanted == "api":
        if not os.environ.get("ANTHROPIC_API_KEY"):
            raise ModelUnavailable("the api miner needs ANTHROPIC_API_KEY (or use MEMEM_MINER=claude-code)")
        from memem.mining.extract_claude import ClaudeExtractor

        return ClaudeExtractor()
    if wanted == "claude-code":
        executable = claude_executable()
        if executable is None:
            raise ModelUnavailable("the claude-code miner needs Claude Code's `claude` on PATH (or MEMEM_CLAUDE)")
        from memem.mining.extract_headless import HeadlessExtractor

        return HeadlessExtractor(executable)
    if wanted == "offline":
        from memem.mining.extract_offline import OfflineExtractor

        return OfflineExtractor()
    raise ModelUnavailable(f"MEMEM_MINER={wanted!r} is not one of {', '.join(CHOICES)}")
