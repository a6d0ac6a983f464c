"""A cap on miners running at once, across every session: a few lock files, one per slot.

Each Stop hook starts a miner for its own session (and a session's lock keeps it to one); with many
sessions ending at once, the slots keep the number that extract at the same time to a small, fixed
number (MEMEM_MINER_CONCURRENCY). A miner that finds no free slot waits a while, then gives up
without moving its session's place: the next Stop, or the next session's sweep, mines those turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from memem.config import private_dir


class MinersBusy(RuntimeError):
    """Every slot stayed taken for as long as the miner was willing to wait."""


@contextlib.contextmanager
def miner_slot(home: Path, slots: int, wait: float = 60.0) -> Iterator[int]:
    """Hold one of `slots` slots for the duration; raises MinersBusy after `wait` seconds."""
    folder = private_dir(home / "mining" / "slots")
    deadline = time.monotonic() + wait
    while True:
        for number in range(slots):
            fd = os.open(folder / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield number
            finally:
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise MinersBusy(f"all {slots} mining slots stayed busy for {wait:.0f} s")
        time.sleep(0.5)
