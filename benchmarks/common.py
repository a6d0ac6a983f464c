"""Helpers every benchmark shares, so the tables read the same and percentiles mean the same."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually measured, never an interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    """A plain-text table: first column left-aligned, the others right-aligned, widths from the data."""
    columns = list(zip(headers, *rows, strict=False))
    widths = [max(len(str(cell)) for cell in column) for column in columns]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        parts = [f"{first:<{widths[0]}}"] + [f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    print(line(list(headers)))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(list(row)))


def write_readme_table(readme: Path, marker: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Put a markdown table between `<!-- marker -->` and `<!-- /marker -->` in the README: figures live
    in one place, written by the benchmark that measured them."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    table = "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(f"<!-- {marker} -->\n", 1)
    _, tail = rest.split(f"<!-- /{marker} -->", 1)
    readme.write_text(f"{head}<!-- {marker} -->\n{table}\n<!-- /{marker} -->{tail}", encoding="utf-8")
    print(f"{readme.name}: {marker} table written")


def daemon_pid(state: Path) -> int | None:
    """The pid of a daemon serving any vault under this state folder, if one runs."""
    for info in state.glob("vaults/*/daemon.json"):
        return int(json.loads(info.read_text())["pid"])
    return None


def stop_daemon(state: Path, timeout: float = 30) -> None:
    """SIGTERM the daemon under this state folder and wait until it has cleaned up after itself."""
    pid = daemon_pid(state)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and daemon_pid(state) is not None:
        time.sleep(0.1)
