"""The daemon's sync loop: reconcile on start, then follow the vault's file events.

One process writes the indexes (principle: one writer), and within it one lock: this loop's thread
applies the watcher's debounced paths and the full reconciles, and the daemon's request threads
apply what a save or an edit just wrote, each under `IndexStore.write_lock`. A full reconcile runs
at start, on request (`memem index` while the daemon runs), after an inotify overflow, and every
`periodic` seconds as a safety net for events a filesystem never reported (network shares, sleeping
laptops). When file events cannot be had (a folder nested too deep for the watcher, no inotify
watches left), the loop says so in `status` and re-reads the vault on a timer instead (POLL_SECONDS,
or longer on a vault slow to reconcile), trying to watch again every RETRY_WATCH_SECONDS. When the
vault's folder goes away (deleted, moved, an unmounted drive) the loop stops and tells the daemon,
which exits: there is nothing left to follow, and the indexes stay as they were for when the folder
comes back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from memem.errors import Unavailable
from memem.index.store import ApplyReport, IndexStore, VaultGone
from memem.sync.debounce import Debouncer
from memem.sync.watcher import VaultWatcher

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
"""Without file events, how often the vault is re-read: at least this, and at least ten times what
the last reconcile took, so polling never takes more than a tenth of the daemon's time."""
RETRY_WATCH_SECONDS = 300.0


class ReconcileFailed(Unavailable):
    """A full reconcile failed as a whole (not one note: those are bad notes); the reason is logged."""


@dataclass
class LoopState:
    phase: str = "starting"  # starting → reconciling → watching → stopped (or vault-gone)
    progress: tuple[str, int, int] | None = None
    last_reconcile: float | None = None
    last_report: dict[str, Any] = field(default_factory=dict)
    events_applied: int = 0
    errors: int = 0
    last_error: str | None = None  # the most recent failure, cleared by the next success
    failed_reconciles: int = 0  # in a row; each one waits longer before the next try
    watch_error: str | None = None  # why file events are not followed (the vault is polled instead)


def report_dict(report: ApplyReport) -> dict[str, Any]:
    return {
        "added": report.added, "updated": report.updated, "moved": report.moved, "deleted": report.deleted,
        "unchanged": report.unchanged, "embedded": report.embedded, "bad": len(report.bad),
        "seconds": round(report.seconds, 3),
    }  # fmt: skip


class SyncLoop:
    def __init__(
        self,
        store: IndexStore,
        quiet: float = 0.1,
        max_wait: float = 1.0,
        periodic: float = 600.0,
        on_vault_gone: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.on_vault_gone = on_vault_gone
        self.state = LoopState()
        self.debouncer = Debouncer(quiet=quiet, max_wait=max_wait)
        self.periodic = periodic
        self._requests: list[Future[ApplyReport]] = []
        self._requests_lock = threading.Lock()
        self._stop = threading.Event()
        self._next_reconcile = 0.0  # time.time() of the next periodic (or retried) full reconcile
        self._failed_syncs = 0  # sync batches failed in a row: the reconcile each one brings backs off
        self.watcher = self._new_watcher()
        self._next_watch_try = 0.0
        self._thread = threading.Thread(target=self._run, name="memem-sync", daemon=True)

    def _new_watcher(self) -> VaultWatcher:
        return VaultWatcher(self.store.paths.vault, self.debouncer, self._on_overflow)

    def poll_interval(self) -> float:
        return max(POLL_SECONDS, 10 * float(self.state.last_report.get("seconds", 0.0)))

    def _check_watcher(self) -> None:
        """Fall back to polling when file events stop coming, and go back to them when they can."""
        now = time.time()
        if self.state.watch_error is None:
            if self.watcher.alive():
                return
            self.state.watch_error = self.watcher.failure or "the file watcher stopped"
            self.state.errors += 1
            log.error("file events stopped (%s): re-reading the vault every %.0f s", self.state.watch_error,
                      self.poll_interval())  # fmt: skip
            self.watcher.stop()
            self._next_reconcile = now  # catch up on whatever happened since the last event
            self._next_watch_try = now + RETRY_WATCH_SECONDS
            return
        if now < self._next_watch_try:
            return
        self._next_watch_try = now + RETRY_WATCH_SECONDS
        watcher = self._new_watcher()
        watcher.start()
        if watcher.alive():
            self.watcher, self.state.watch_error = watcher, None
            self._next_reconcile = now  # events resume from here; what came before is re-read once
            log.info("watching the vault for changes again")
        else:
            watcher.stop()

    def start(self) -> None:
        # Watch first, so edits made while the start-up reconcile runs are queued, not missed.
        self.watcher.start()
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.debouncer.close()
        self.watcher.stop()
        self._thread.join(timeout=timeout)
        self.state.phase = "stopped"

    def request_reconcile(self) -> Future[ApplyReport]:
        """Ask the sync thread for a full reconcile; the future resolves with its report."""
        future: Future[ApplyReport] = Future()
        with self._requests_lock:
            self._requests.append(future)
        self.debouncer.poke()
        return future

    def _on_overflow(self) -> None:
        log.warning("file events were lost (inotify queue overflow): reconciling the whole vault")
        self.request_reconcile()

    def _progress(self, phase: str, done: int, total: int) -> None:
        self.state.progress = (phase, done, total)

    def _reconcile(self) -> ApplyReport:
        """A full reconcile. A failure is recorded and retried later with a growing pause, never in a
        tight loop: each try walks the whole vault, and the cause (a full disk, a broken index) rarely
        goes away within a second."""
        self.state.phase = "reconciling"
        try:
            report = self.store.reconcile(progress=self._progress)
        except VaultGone:
            raise
        except Exception as exc:
            self.state.failed_reconciles += 1
            self.state.errors += 1
            self.state.last_error = f"reconcile failed: {type(exc).__name__}: {exc}"
            retry = self.retry_delay()
            self._next_reconcile = time.time() + retry
            log.exception("reconcile failed (%d in a row); retrying in %.0f s", self.state.failed_reconciles, retry)
            raise ReconcileFailed(self.state.last_error) from exc
        finally:
            self.state.progress = None
            self.state.phase = "watching"
        self.state.failed_reconciles = 0
        self.state.last_error = None
        self.state.last_reconcile = time.time()
        self.state.last_report = report_dict(report)
        every = self.poll_interval() if self.state.watch_error else self.periodic
        self._next_reconcile = self.state.last_reconcile + every
        log.info("reconciled: %s", self.state.last_report)
        return report

    def retry_delay(self) -> float:
        """Seconds before retrying after the current run of failed reconciles: 5, 10, 20, … capped."""
        return float(min(self.periodic, 5.0 * 2 ** max(self.state.failed_reconciles - 1, 0)))

    def _vault_gone(self, exc: VaultGone) -> None:
        log.error("%s: stopping", exc)
        self.state.phase = "vault-gone"
        self._stop.set()
        with self._requests_lock:
            requests, self._requests = self._requests, []
        for future in requests:
            future.set_exception(exc)
        if self.on_vault_gone is not None:
            self.on_vault_gone()

    def _run(self) -> None:
        try:
            self._reconcile()
        except VaultGone as exc:
            self._vault_gone(exc)
            return
        except ReconcileFailed:
            pass  # recorded by _reconcile; watching starts anyway and the reconcile is retried later
        while not self._stop.is_set():
            paths = self.debouncer.take(timeout=1.0)
            with self._requests_lock:
                requests, self._requests = self._requests, []
            try:
                self.store.require_vault()  # checked each pass: a moved vault sends no events
                self._check_watcher()
                if paths:
                    report = self.store.sync_paths(paths)
                    self._failed_syncs = 0
                    self.state.events_applied += report.changed
                    if report.changed or report.bad:
                        log.info("synced %d paths: %s", len(paths), report_dict(report))
                self.store.retry_shared()  # team notes waiting for the team's Chroma server, when due
                if requests or time.time() >= self._next_reconcile:
                    report = self._reconcile()
                    for future in requests:
                        future.set_result(report)
                    requests = []
            except VaultGone as exc:
                for future in requests:
                    future.set_exception(exc)
                self._vault_gone(exc)
                return
            except Exception as exc:  # a bad batch must not kill the loop; a reconcile soon heals
                if not isinstance(exc, ReconcileFailed):
                    log.exception("sync failed")
                    self.state.errors += 1
                    self.state.last_error = f"sync failed: {type(exc).__name__}: {exc}"
                    # The batch's events are spent: a whole reconcile finds what they named, in seconds
                    # rather than at the next periodic one (a full disk freed, a database unlocked). It
                    # clears the error once it went through; it backs off while it fails.
                    self._failed_syncs += 1
                    backoff = float(min(self.periodic, 5.0 * 2 ** (self._failed_syncs - 1)))
                    self._next_reconcile = min(self._next_reconcile, time.time() + backoff)
                for future in requests:
                    future.set_exception(exc)
