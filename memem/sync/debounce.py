"""Per-path debouncing of file events.

An editor's save is a burst (create temp, write, rename over, chmod), and a `git checkout` is a
burst of thousands. A path is handed on once it has been quiet for `quiet` seconds, or once it has
waited `max_wait` seconds under a continuous stream, so a constantly-written file still gets indexed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable


class Debouncer:
    def __init__(self, quiet: float = 0.1, max_wait: float = 1.0) -> None:
        self.quiet = quiet
        self.max_wait = max_wait
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._poked = False

    def add(self, paths: Iterable[str]) -> None:
        now = time.monotonic()
        with self._cond:
            for path in paths:
                self._first.setdefault(path, now)
                self._last[path] = now
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._last)

    def poke(self) -> None:
        """Make the current (or next) `take` return now, with whatever is due."""
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def take(self, timeout: float | None = None) -> list[str]:
        """Block until some paths are due (or timeout/close), then return and forget them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                due = [
                    p for p, last in self._last.items()
                    if now - last >= self.quiet or now - self._first[p] >= self.max_wait
                ]  # fmt: skip
                if due:
                    self._poked = False
                    for path in due:
                        del self._last[path]
                        del self._first[path]
                    return sorted(due)
                if self._closed or self._poked or (deadline is not None and now >= deadline):
                    self._poked = False
                    return []
                if self._last:
                    soonest = min(
                        min(last + self.quiet, self._first[p] + self.max_wait) for p, last in self._last.items()
                    )
                    wait = max(soonest - now, 0.005)
                else:
                    wait = 1.0
                if deadline is not None:
                    wait = min(wait, max(deadline - now, 0.0))
                self._cond.wait(wait)
