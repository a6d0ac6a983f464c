"""The daemon's idle work: consolidation, at most once per `MEMEM_CONSOLIDATE` hours, when nothing is
being indexed. Its last run is kept in the vault's state folder, so a daemon restarted every day does
not consolidate at every start."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from memem.memory.consolidate import Consolidator
from memem.memory.service import MemoryService
from memem.sync.loop import SyncLoop

log = logging.getLogger(__name__)


def consolidator(service: MemoryService, with_model: bool = True) -> Consolidator:
    """A consolidation pass judged by the miner's model when there is one (else by the rules alone)."""
    if not with_model:
        return Consolidator(service)
    from memem.mining.judging import judging_model
    from memem.mining.pair_review import ModelPairJudge

    model, why = judging_model()
    if model is None:
        log.info("consolidation without a model: %s", why)
        return Consolidator(service)
    return Consolidator(service, judge=ModelPairJudge(model))


QUIET = 600.0
"""Seconds without an applied file event before the daemon counts as idle."""


class IdleWork:
    def __init__(self, service: MemoryService, loop: SyncLoop, every_hours: float, check: float = 300.0) -> None:
        self.service = service
        self.loop = loop
        self.every = every_hours * 3600
        self.check = check
        self.stamp: Path = service.paths.state / "consolidated-at"
        self._last_events = loop.state.events_applied
        self._quiet_since = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memem-idle", daemon=True)

    def start(self) -> None:
        if self.every > 0:
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def last_run(self) -> float:
        try:
            return float(self.stamp.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return 0.0

    def due(self, now: float) -> bool:
        """Daily (or as set), and only after QUIET seconds with no file event applied."""
        if self.loop.state.events_applied != self._last_events:
            self._last_events, self._quiet_since = self.loop.state.events_applied, now
        idle = self.loop.state.phase == "watching" and now - self._quiet_since >= QUIET
        return idle and now - self.last_run() >= self.every

    def run_once(self) -> None:
        report = consolidator(self.service).run()
        self.stamp.write_text(f"{time.time()}\n", encoding="utf-8")
        log.info(
            "consolidated: %d folded, %d proposed (judged by %s: %d of %d pairs answered)",
            len(report.applied), len(report.proposed), report.judge, report.answered, report.asked,
        )  # fmt: skip

    def _run(self) -> None:
        while not self._stop.wait(self.check):
            try:
                if self.due(time.time()):
                    self.run_once()
            except Exception:  # a failure is logged and tried again tomorrow, never the daemon's end
                log.exception("consolidation failed")
                self.stamp.write_text(f"{time.time()}\n", encoding="utf-8")
