"""Mining is opt-in: no transcript is read until the person turns it on. Stdlib only (hooks read it).

Sessions written while mining was off are history, whether before the first opt-in (`enabled_at`)
or between a `--disable` and the next `--enable` (`off`: those periods, as [from, to] pairs): only an
explicit backfill (`memem mine --history`, which shows the cost first) mines them.
"""

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


def off_periods(home: Path) -> list[tuple[float, float]]:
    """The periods mining was turned off, after it was first turned on (ended ones; see `written_while_on`)."""
    periods = []
    value = mining(home).get("off")
    for item in value if isinstance(value, list) else []:
        if (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in item)
        ):
            periods.append((float(item[0]), float(item[1])))
    return periods


def written_while_on(home: Path, mtime: float) -> bool:
    """Whether a session last written at `mtime` was written while mining was on (else: history)."""
    current = mining(home)
    if not current.get("enabled") or mtime < enabled_at(home):
        return False
    return not any(start <= mtime < end for start, end in off_periods(home))


def set_enabled(home: Path, on: bool) -> None:
    current = mining(home)
    was_on = bool(current.get("enabled"))
    now = time.time()
    current["enabled"] = on
    if on and "enabled_at" not in current:
        current["enabled_at"] = now
    elif on and not was_on:
        # Back on: the time it was off is history. When it went off is unknown for state an earlier
        # memem wrote: then everything before now is.
        since = current.pop("disabled_at", None)
        start = since if isinstance(since, (int, float)) and not isinstance(since, bool) else enabled_at(home)
        off = current.get("off")
        current["off"] = [*(off if isinstance(off, list) else []), [min(float(start), now), now]]
    elif not on and was_on:
        current["disabled_at"] = now
    write_config({"mining": current}, home)
