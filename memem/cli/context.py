"""What every command needs: the vault's paths, and a way to reach its indexes.

While a daemon runs, commands go through it (it owns the indexes). When none runs, a command opens
the stores itself under the same owner lock, so a command and a starting daemon never write at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
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


class UsageError(CommandError):
    """A command line memem cannot act on (a missing argument, a value out of range): exit status 2,
    as argparse's own errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=2)


def non_empty(text: str) -> str:
    """An argparse type for an id or a name: empty is a usage error (exit 2), not "no memory named ''"."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def utf8_or_error(text: str, where: str) -> str:
    """`text` as read (stdin reads bytes that are not UTF-8 as lone surrogates, which no note, index or
    JSON body can hold), or a UsageError (exit 2, as for an argument) saying where it came from."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{where} is not valid UTF-8 text: memem takes text only; give it in UTF-8") from None
    return text


QUICK = 5.0
"""Seconds `status` and `doctor` wait for the daemon: they answer from memory, so a daemon that takes
longer is hung, and saying so soon is what the person needs."""


def in_words(message: str, options: dict[str, str] | None = None) -> str:
    """A daemon's or an operation's error as the command line says it: without the HTTP status, and with
    the JSON fields of the request (`count`) named as the options the person typed (N)."""
    import re

    message = re.sub(r"^daemon error \d+: ", "", message)
    for field_name, option in (options or {}).items():
        message = message.replace(f"`{field_name}`", option)
    return message


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
            vault = self._paths.vault
            if vault.exists() and not vault.is_dir():
                self._paths = None
                raise CommandError(f"the vault {vault} is not a folder (give the vault's folder)")
            if not vault.is_dir():
                self._paths = None
                raise CommandError(f"vault {vault} does not exist (create it with `memem init DIR`)")
        return self._paths

    def daemon(self) -> DaemonInfo | None:
        """The running daemon; if one is starting (it holds the lock, not yet published), wait for it."""
        try:
            info = read_daemon(self.paths.daemon_file, self.paths.lock_file)
        except OSError:  # a state folder that cannot be written (read-only): no daemon could run in it
            return None
        if info is not None:
            return info
        import time

        from memem.sync.lock import is_locked, known_holder

        # A holder record in transition reads as unknown for a moment: look again before deciding.
        deadline = time.monotonic() + 1.0
        try:
            holder = known_holder(self.paths.lock_file)
            is_locked(self.paths.lock_file)
        except OSError:
            return None
        while not holder and is_locked(self.paths.lock_file) and time.monotonic() < deadline:
            time.sleep(0.02)
            holder = known_holder(self.paths.lock_file)
        if holder.get("role") == "daemon" and is_locked(self.paths.lock_file):
            from memem.client.spawn import wait_for_daemon

            return wait_for_daemon(self.paths, 120.0)
        return None

    def call(
        self,
        info: DaemonInfo,
        method: str,
        path: str,
        payload: Any = None,
        timeout: float = 60.0,
        options: dict[str, str] | None = None,
    ) -> Any:
        """The daemon's JSON answer. Its errors become CommandError, in the command line's words
        (`options` maps the request's fields to the options that set them); no answer within `timeout`
        is DaemonHung, a CommandError that says how to restart it."""
        from memem.client.http import DaemonError, DaemonUnavailable, call
        from memem.config import load_or_create_token

        try:
            token = load_or_create_token(self.paths.home)
        except OSError as exc:
            raise CommandError(f"cannot read memem's token in {self.paths.home}: {exc.strerror or exc}") from None
        try:
            return call(info.host, info.port, token, method, path, payload, timeout=timeout)
        except DaemonError as exc:
            raise CommandError(in_words(str(exc), options)) from None
        except DaemonUnavailable as exc:
            raise DaemonHung(info, timeout, exc, self.paths.log_dir / "daemon.log") from None

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
        except OSError as exc:
            raise StateUnwritable(self.paths.home, exc) from None
        try:
            try:
                store = IndexStore(self.paths)
            except OSError as exc:
                if exc.filename and str(exc.filename).startswith(str(self.paths.home)):
                    raise StateUnwritable(self.paths.home, exc) from None
                raise
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


class DaemonHung(CommandError):
    """The daemon's pid is alive and holds the vault, but it did not answer in time."""

    def __init__(self, info: DaemonInfo, timeout: float, why: object, log: Path) -> None:
        self.info = info
        self.fix = (
            f"if it stays so, stop it (`kill {info.pid}`; `kill -9 {info.pid}` if it will not stop: the indexes "
            f"survive it) and start it again with `memem serve`; its log is {log}"
        )
        from memem.client.http import DaemonStopped

        if isinstance(why, DaemonStopped):
            super().__init__(f"the daemon (pid {info.pid}) stopped answering ({why}); {self.fix}")
        else:
            super().__init__(f"the daemon (pid {info.pid}) did not answer within {timeout:g} s ({why}); {self.fix}")


class StateUnwritable(CommandError):
    """memem's state folder (MEMEM_DIR) cannot be created or written."""

    def __init__(self, home: Path, exc: OSError) -> None:
        where = exc.filename or home
        super().__init__(
            f"cannot write memem's state folder {home} ({where}: {exc.strerror or exc}): make it writable, "
            "or set MEMEM_DIR to a folder that is"
        )


def no_secret_ids(ids: list[str] | tuple[str, ...], what: str = "id or name") -> None:
    """A CommandError for an id that looks like a secret: no memory is named so (ids are made by memem
    and secrets are refused in titles), and the daemon's not-found message could not repeat it."""
    from memem.vault.secrets import redact

    for ref in ids:
        if redact(ref) != ref:
            raise CommandError(f"no memory has that {what}: it looks like a secret, so it is not repeated here")


def op(
    ctx: Context, name: str, payload: dict[str, Any], options: dict[str, str] | None = None, timeout: float = 600
) -> Any:
    """A memory operation's JSON answer: through the daemon when it runs, else the same operations table
    (`memem.daemon.operations`) run here, under the owner lock. `options` names the payload's fields as
    the command's options, for its error messages."""
    info = ctx.daemon()
    if info is not None:
        return ctx.call(info, "POST", f"/v1/op/{name}", payload, timeout=timeout, options=options)
    from memem.daemon.operations import OpContext, perform
    from memem.errors import MememError
    from memem.memory.service import MemoryService

    with ctx.open_store(reconcile=True) as store:
        try:
            return perform(OpContext(MemoryService(store)), name, payload)
        except MememError as exc:
            raise CommandError(in_words(str(exc), options)) from None
        except OSError as exc:
            if isinstance(exc, PermissionError) or exc.errno == 30:  # EROFS
                where = exc.filename or ctx.paths.vault
                raise CommandError(
                    f"cannot write {where}: {exc.strerror}; memem needs the vault {ctx.paths.vault} writable"
                ) from None
            raise


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
