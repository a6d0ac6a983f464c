"""The daemon's sync loop: reconcile on start, then follow the vault's file events.

One thread does all index writes (principle: one writer). It takes debounced paths from the
watcher and reconciles them; a full reconcile runs at start, on request (`memem index` while the
daemon runs), after an inotify overflow, and every `periodic` seconds as a safety net for events a
filesystem never reported (network shares, sleeping laptops). When the vault's folder goes away
(deleted, moved, an unmounted drive) the loop stops and tells the daemon, which exits: there is
nothing left to follow, and the indexes stay as they were for when the folder comes back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from memem.index.store import ApplyReport, IndexStore, VaultGone
from memem.sync.debounce import Debouncer
from memem.sync.watcher import VaultWatcher

log = logging.getLogger(__name__)


@dataclass
class LoopState:
    phase: str = "starting"  # starting → reconciling → watching → stopped (or vault-gone)
    progress: tuple[str, int, int] | None = None
    last_reconcile: float | None = None
    last_report: dict[str, Any] = field(default_factory=dict)
    events_applied: int = 0
    errors: int = 0


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
        self._ready = threading.Event()
        self.watcher = VaultWatcher(store.paths.vault, self.debouncer, self._known_under, self._on_overflow)
        self._thread = threading.Thread(target=self._run, name="memem-sync", daemon=True)

    def _known_under(self, prefix: str) -> list[str]:
        rows = self.store.catalog.conn.execute(
            "SELECT path FROM notes WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
        )
        return [r[0] for r in rows]

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

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the start-up reconcile has finished."""
        return self._ready.wait(timeout)

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
        self.state.phase = "reconciling"
        report = self.store.reconcile(progress=self._progress)
        self.state.progress = None
        self.state.last_reconcile = time.time()
        self.state.last_report = report_dict(report)
        self.state.phase = "watching"
        log.info("reconciled: %s", self.state.last_report)
        return report

    def _vault_gone(self, exc: VaultGone) -> None:
        log.error("%s: stopping", exc)
        self.state.phase = "vault-gone"
        self._stop.set()
        self._ready.set()
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
        except Exception:
            log.exception("start-up reconcile failed")
            self.state.errors += 1
            self.state.phase = "watching"
        self._ready.set()
        while not self._stop.is_set():
            paths = self.debouncer.take(timeout=1.0)
            with self._requests_lock:
                requests, self._requests = self._requests, []
            try:
                self.store.require_vault()  # checked each pass: a moved vault sends no events
                if paths:
                    report = self.store.sync_paths(paths)
                    self.state.events_applied += report.changed
                    if report.changed or report.bad:
                        log.info("synced %d paths: %s", len(paths), report_dict(report))
                due = self.state.last_reconcile is None or time.time() - self.state.last_reconcile > self.periodic
                if requests or due:
                    report = self._reconcile()
                    for future in requests:
                        future.set_result(report)
                    requests = []
            except VaultGone as exc:
                for future in requests:
                    future.set_exception(exc)
                self._vault_gone(exc)
                return
            except Exception as exc:  # a bad batch must not kill the loop; the next reconcile heals
                log.exception("sync failed")
                self.state.errors += 1
                for future in requests:
                    future.set_exception(exc)
