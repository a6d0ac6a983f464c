"""The owner lock: one process at a time opens a vault's indexes for writing.

An advisory `flock` on a file in the vault's state folder. The kernel drops it when the holder dies,
even by kill -9, so a crashed daemon never leaves a stale lock behind. The holder writes its pid
and role into the file so a refused process can name it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType


class LockHeld(RuntimeError):
    """Another live process owns the vault's indexes."""

    def __init__(self, path: Path, holder: dict[str, object]) -> None:
        self.holder = holder
        pid = holder.get("pid", "?")
        role = holder.get("role", "process")
        super().__init__(f"another memem {role} (pid {pid}) owns this vault's indexes ({path})")


def read_holder(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


class OwnerLock:
    def __init__(self, path: Path, role: str) -> None:
        self.path = path
        self.role = role
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0, wait_for_commands: float = 0.0) -> OwnerLock:
        """Take the lock, waiting up to `wait` seconds; raise LockHeld if another process keeps it.

        `wait_for_commands` is how long to wait when the holder is a command (short-lived, e.g. a
        `memem status` that started just before a daemon); a daemon holding it is refused at once.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(self.path)
                patience = wait_for_commands if holder.get("role") == "command" else wait
                if time.monotonic() - start >= max(wait, patience):
                    os.close(fd)
                    raise LockHeld(self.path, holder) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "role": self.role, "since": time.time()}).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OwnerLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def is_locked(path: Path) -> bool:
    """True when some live process holds the lock (checked without taking it for long)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops our lock if we got it
    return False
