"""The daemon's scheduled pull of its team vaults: every `MEMEM_TEAM_SYNC` seconds, in a thread.

The pull only moves each clone forward; the sync loop's watcher sees the changed notes and indexes
them like any other edit. A failure (no network, a rejected credential, local edits in the way) is
kept for `memem status` and tried again at the next turn, never raised into the daemon.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from memem.teams.membership import SyncResult, sync
from memem.vault.teams import teams

log = logging.getLogger(__name__)


class TeamPuller:
    def __init__(self, vault: Path, every: float) -> None:
        self.vault = vault
        self.every = every
        self.last_run: float | None = None
        self.last_results: list[SyncResult] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memem-team-sync", daemon=True)

    def start(self) -> None:
        if self.every > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)

    def pull_now(self) -> list[SyncResult]:
        results = sync(self.vault)
        self.last_run, self.last_results = time.time(), results
        for r in results:
            if r.error:
                log.warning("team %s: %s", r.team, r.error)
            elif r.before != r.after:
                log.info("team %s: pulled %d changed note(s)", r.team, len(r.changed))
        return results

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if not teams(self.vault):
                continue
            try:
                self.pull_now()
            except Exception:  # a bug here must not end the schedule; the log says what it was
                log.exception("scheduled team sync failed")

    def state(self) -> dict[str, object]:
        return {
            "every_seconds": self.every,
            "last_run": self.last_run,
            "results": [r.to_json() for r in self.last_results],
        }
