"""Mining is opt-in: no transcript is read until the person turns it on. Stdlib only (hooks read it)."""

from __future__ import annotations

import time
from pathlib import Path

from memem.config import read_config, write_config

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def mining(home: Path) -> dict[str, Any]:
    value = read_config(home).get("mining")
    return value if isinstance(value, dict) else {}


def enabled(home: Path) -> bool:
    return bool(mining(home).get("enabled"))


def enabled_at(home: Path) -> float:
    """Sessions last written before this moment are history: mined only by an explicit backfill."""
    value = mining(home).get("enabled_at")
    return float(value) if isinstance(value, (int, float)) else float("inf")


def set_enabled(home: Path, on: bool) -> None:
    current = mining(home)
    current["enabled"] = on
    if on and "enabled_at" not in current:
        current["enabled_at"] = time.time()
    write_config({"mining": current}, home)
