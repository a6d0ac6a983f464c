"""Watchdog events on the vault, turned into vault-relative paths for the debouncer.

Only paths matter, not event kinds: whatever happened, the index asks "what is at this path now?".
That makes every editor's save dance (temp file + rename, vim's backup-and-write, a sync client's
delete-then-create) come out right without special cases. A folder's event hands on the folder and
a `folder/` entry, which the index expands on the sync thread (a moved folder's old paths from the
catalog, its new ones from a walk by the scan's rules). Nothing here walks: handling an event costs
the same whatever the folder holds, so a tree made a thousand folders deep, or a folder holding a
symlink to `/`, cannot keep watchdog's thread (and every later event) waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from memem.sync.debounce import Debouncer
from memem.vault.filenames import IGNORED_DIRS

log = logging.getLogger(__name__)


class _Handler(FileSystemEventHandler):
    def __init__(self, vault: Path, debouncer: Debouncer) -> None:
        self.vault = vault
        self.debouncer = debouncer

    def _rel(self, path: str | bytes) -> str | None:
        text = os.fsdecode(path)
        try:
            rel = Path(text).relative_to(self.vault).as_posix()
        except ValueError:
            return None
        parts = rel.split("/")
        if any(p in IGNORED_DIRS for p in parts):
            return None
        return rel

    def on_any_event(self, event: FileSystemEvent) -> None:
        # This runs on watchdog's observer thread: an exception here would end it, and with it every
        # later event. Whatever one odd path does, it is logged and the watch goes on.
        try:
            self._handle(event)
        except Exception:
            log.exception("could not handle a file event (%s); the next reconcile will catch up", event.event_type)

    def _handle(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths: list[str] = []
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            rel = self._rel(raw)
            if rel is None or rel == ".":
                continue
            if event.is_directory:
                if event.event_type in ("moved", "deleted", "created"):
                    # The folder itself (a report about it goes, a symlinked one is reported, a note it
                    # replaced goes), and what was and is inside it, expanded on the sync thread.
                    paths += [rel, rel + "/"]
            else:
                paths.append(rel)
        if paths:
            self.debouncer.add(paths)


class _OverflowSignal(logging.Handler):
    """watchdog logs (but does not report) an inotify queue overflow; events were lost."""

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.on_overflow()


_DIED: list[tuple[float, str]] = []  # (when, what) for each watchdog thread that ended on an exception
_HOOKED = threading.Lock()
_previous_hook = threading.excepthook


def _record_thread_death(args: threading.ExceptHookArgs) -> None:
    """watchdog's threads end on an exception they do not catch (adding watches for a folder nested
    a thousand deep raises RecursionError inside them); note why, in the daemon's log, so the loop can
    say it and fall back. Other threads' exceptions go to the hook that was there before."""
    thread = args.thread
    if thread is not None and type(thread).__module__.startswith("watchdog."):
        _DIED.append((time.monotonic(), f"{args.exc_type.__name__}: {args.exc_value}"))
        log.error("file watching stopped", exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]
        return
    _previous_hook(args)


class VaultWatcher:
    """The vault's file events, or, when they cannot be had, a reason why (`failure`): a folder too
    deep to watch, the system's limit of inotify watches. The sync loop then re-reads the vault on a
    timer instead, and says so."""

    def __init__(self, vault: Path, debouncer: Debouncer, on_overflow: Callable[[], None]) -> None:
        self.vault = vault
        self.observer = Observer()
        self._handler = _Handler(vault, debouncer)
        self._overflow = _OverflowSignal(on_overflow)
        self.failure: str | None = None
        self._started = 0.0

    def start(self) -> None:
        global _previous_hook
        with _HOOKED:
            if threading.excepthook is not _record_thread_death:
                _previous_hook, threading.excepthook = threading.excepthook, _record_thread_death
        logging.getLogger("watchdog.observers").addHandler(self._overflow)
        self._started = time.monotonic()
        try:  # scheduling opens the inotify instance (EMFILE when the user has none left), starting adds watches
            self.observer.schedule(self._handler, str(self.vault), recursive=True)
            self.observer.start()
        except Exception as exc:  # RecursionError, OSError (ENOSPC: no inotify watches left), …
            self.failure = f"{type(exc).__name__}: {exc}"
            log.error("cannot watch %s for changes (%s)", self.vault, self.failure)

    def alive(self) -> bool:
        """Whether events still arrive: no watchdog thread (the observer, an emitter, the inotify reader
        inside one) has ended since this watcher started."""
        if self.failure is not None:
            return False
        died = [what for when, what in _DIED if when >= self._started]
        if died or not all(t.is_alive() for t in (self.observer, *self.observer.emitters)):
            self.failure = died[-1] if died else "the watcher thread stopped"
            return False
        return True

    def stop(self) -> None:
        logging.getLogger("watchdog.observers").removeHandler(self._overflow)
        with contextlib.suppress(RuntimeError):  # never started
            self.observer.stop()
            self.observer.join(timeout=5)
