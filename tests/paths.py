"""Where the tests' data is: fixtures inside the repository, and the LoCoMo benchmark beside it.

Everything a test needs ships in tests/fixtures (the real Claude Code transcripts, MIT-licensed, with
their attribution). The LoCoMo development split (CC BY-NC 4.0) cannot be copied into the repository:
the few tests that need it skip, saying where to get it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
TRANSCRIPTS = FIXTURES / "transcripts"
LOCOMO = REPO.parent / "shared" / "bench" / "locomo-dev"


def locomo_or_skip() -> Path:
    """The LoCoMo-dev vault and queries, or a skip that says how to get them."""
    if not (LOCOMO / "queries.jsonl").is_file():
        pytest.skip(
            "needs the LoCoMo dev split (CC BY-NC 4.0, not in this repository): put the converted vault and "
            "queries.jsonl at ../shared/bench/locomo-dev (LoCoMo: https://github.com/snap-research/locomo)"
        )
    return LOCOMO
