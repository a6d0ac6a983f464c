"""What every command needs: the vault's paths, and a way to reach its indexes.

While a daemon runs, commands go through it (it owns the indexes). When none runs, a command opens
the stores itself under the same owner lock, so a command and a starting daemon never write at once.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from memem.client.discovery import DaemonInfo, read_daemon
from memem.config import Paths

if TYPE_CHECKING:
    from memem.index.store import IndexStore


class CommandError(RuntimeError):
    """A failure to report to the person in one line, with exit status 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    vault_arg: str | None
    _paths: Paths | None = field(default=None, repr=False)

    @property
    def paths(self) -> Paths:
        if self._paths is None:
            from memem.config import ConfigError

            try:
                self._paths = Paths.resolve(self.vault_arg)
            except ConfigError as exc:
                raise CommandError(str(exc)) from None
            if not self._paths.vault.is_dir():
                raise CommandError(f"vault {self._paths.vault} does not exist (create it with `memem init DIR`)")
        return self._paths

    def daemon(self) -> DaemonInfo | None:
        """The running daemon; if one is starting (it holds the lock, not yet published), wait for it."""
        info = read_daemon(self.paths.daemon_file, self.paths.lock_file)
        if info is not None:
            return info
        import time

        from memem.sync.lock import is_locked, known_holder

        # A holder record in transition reads as unknown for a moment: look again before deciding.
        deadline = time.monotonic() + 1.0
        holder = known_holder(self.paths.lock_file)
        while not holder and is_locked(self.paths.lock_file) and time.monotonic() < deadline:
            time.sleep(0.02)
            holder = known_holder(self.paths.lock_file)
        if holder.get("role") == "daemon" and is_locked(self.paths.lock_file):
            from memem.client.spawn import wait_for_daemon

            return wait_for_daemon(self.paths, 120.0)
        return None

    def call(self, info: DaemonInfo, method: str, path: str, payload: Any = None, timeout: float = 60.0) -> Any:
        from memem.client.http import DaemonError, DaemonUnavailable, call
        from memem.config import load_or_create_token

        token = load_or_create_token(self.paths.home)
        try:
            return call(info.host, info.port, token, method, path, payload, timeout=timeout)
        except DaemonError as exc:
            raise CommandError(str(exc)) from None
        except DaemonUnavailable as exc:
            raise CommandError(f"the daemon (pid {info.pid}) did not answer: {exc}") from None

    @contextlib.contextmanager
    def open_store(self, wait: float = 30.0, reconcile: bool = False) -> Iterator[IndexStore]:
        """Open the indexes in this process (no daemon running), holding the owner lock.

        With `reconcile`, edits made while nothing was running are indexed first (a no-change
        reconcile is a stat walk, well under a second for thousands of notes).
        """
        from memem.index.store import IndexStore
        from memem.sync.lock import LockHeld, OwnerLock

        lock = OwnerLock(self.paths.lock_file, "command")
        try:
            lock.acquire(wait=wait)
        except LockHeld as exc:
            raise CommandError(f"{exc}; try again when it finishes") from None
        try:
            store = IndexStore(self.paths)
            try:
                if reconcile:
                    from memem.cli.progress import PhaseBar

                    with PhaseBar() as bar:
                        store.reconcile(progress=bar)
                yield store
            finally:
                store.close()
        finally:
            lock.release()


def op(ctx: Context, name: str, payload: dict[str, Any]) -> Any:
    """A memory operation's JSON answer: through the daemon when it runs, else the same operations table
    (`memem.daemon.operations`) run here, under the owner lock."""
    info = ctx.daemon()
    if info is not None:
        return ctx.call(info, "POST", f"/v1/op/{name}", payload, timeout=600)
    from memem.daemon.operations import OpContext, perform
    from memem.memory.service import MemoryService

    with ctx.open_store(reconcile=True) as store:
        return perform(OpContext(MemoryService(store)), name, payload)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
