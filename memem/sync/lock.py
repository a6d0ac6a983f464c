"""The owner lock: one process at a time opens a vault's indexes for writing.

An advisory `flock` on a file in the vault's state folder. The kernel drops it when the holder dies,
even by kill -9, so a crashed daemon never leaves a stale lock behind. The holder writes its pid
and role into the file so a refused process can name it.

The record is not written in the same instant the flock is taken, and it is cleared just before the
flock is dropped, so a refused process can find it empty, half-written or left by a holder killed
with -9. Such a record says "in transition", never "nobody": the refused process waits a moment and
looks again instead of deciding on it. The holder writes over the old bytes from offset 0 and only
then truncates to the new length, so its own write never opens an empty window. (Write-then-rename
cannot work here: the flock belongs to the inode, and a renamed-in file would be a different one.)
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

# How long a refused process keeps looking when the holder's record is unreadable. The holder
# writes it microseconds after taking the flock; a second covers a badly descheduled holder.
TRANSITION_GRACE = 1.0
POLL = 0.05
POLL_IN_TRANSITION = 0.01


class LockHeld(RuntimeError):
    """Another live process owns the vault's indexes."""

    def __init__(self, path: Path, holder: dict[str, object]) -> None:
        self.holder = holder
        pid = holder.get("pid", "?")
        role = holder.get("role", "process")
        super().__init__(f"another memem {role} (pid {pid}) owns this vault's indexes ({path})")


def read_holder(path: Path) -> dict[str, object]:
    """The record as written ({} when missing, empty or unparsable: possibly in transition)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def known_holder(path: Path) -> dict[str, object]:
    """The holder's record if it names a live process and a role; {} while the lock is in transition.

    A record naming a dead pid is a kill -9'd holder's leftover that the new holder has not yet
    overwritten, so it says nothing about who holds the lock now.
    """
    holder = read_holder(path)
    pid, role = holder.get("pid"), holder.get("role")
    if not isinstance(pid, int) or not isinstance(role, str) or not pid_alive(pid):
        return {}
    return holder


def _write_record(fd: int, record: bytes) -> None:
    """Overwrite the file with `record` without ever leaving it empty (see the module docstring)."""
    written = 0
    while written < len(record):
        written += os.pwrite(fd, record[written:], written)
    os.ftruncate(fd, len(record))


class OwnerLock:
    def __init__(self, path: Path, role: str) -> None:
        self.path = path
        self.role = role
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0, wait_for_commands: float = 0.0) -> OwnerLock:
        """Take the lock, waiting up to `wait` seconds; raise LockHeld if another process keeps it.

        `wait_for_commands` is how long to wait when the holder is a command (short-lived, e.g. a
        `memem status` that started just before a daemon) or cannot be named yet (its record is in
        transition, and it may well be such a command); a daemon holding it is refused at once.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._take(fd, wait, wait_for_commands)
        except BaseException:
            os.close(fd)
            raise
        record = {"pid": os.getpid(), "role": self.role, "since": time.time()}
        _write_record(fd, json.dumps(record).encode())
        self._fd = fd
        return self

    def _take(self, fd: int, wait: float, wait_for_commands: float) -> None:
        """Poll for the flock until it is ours or the holder has outlasted our patience with it.

        An unnamed holder is never refused on sight: only once it has stayed unnamed for
        `TRANSITION_GRACE` (and past our patience for commands), so a refusal names the real
        pid and role whenever a live process holds the lock.
        """
        start = time.monotonic()
        unnamed_since: float | None = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            holder = known_holder(self.path)
            now = time.monotonic()
            if holder:
                unnamed_since = None
                patience = max(wait, wait_for_commands) if holder["role"] == "command" else wait
                refused = now - start >= patience
            else:
                unnamed_since = now if unnamed_since is None else unnamed_since
                patience = max(wait, wait_for_commands)
                refused = now - start >= patience and now - unnamed_since >= TRANSITION_GRACE
            if refused:
                raise LockHeld(self.path, holder)
            time.sleep(POLL if holder else POLL_IN_TRANSITION)

    def release(self) -> None:
        """Clear the record, then drop the flock: an empty record reads as "in transition"."""
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


# --- the vault lock ----------------------------------------------------------------------------------
# The owner lock is per state folder (MEMEM_DIR); the vault lock is an flock on the vault folder itself,
# held by the daemon: per vault whatever MEMEM_DIR says, writing nothing into the vault. It has no record
# to name its holder, so the holder is found in /proc/locks where the system has one.


class VaultServed(RuntimeError):
    """Another daemon, with its state in another folder (MEMEM_DIR), already serves this vault."""


def _flock_holder(fd: int) -> int | None:
    """The pid holding an flock on the file open as `fd`, from /proc/locks (Linux); None elsewhere."""
    st = os.fstat(fd)
    dev_ino = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for exact in (True, False):  # the device as stat names it; else (an overlay file system) the inode alone
        for line in lines:
            fields = line.split()
            if len(fields) < 6 or fields[1] != "FLOCK" or fields[2] == "->":
                continue
            where = fields[5]
            if (where == dev_ino) if exact else where.rsplit(":", 1)[-1] == str(st.st_ino):
                try:
                    return int(fields[4])
                except ValueError:
                    return None
    return None


def _state_of(pid: int) -> str | None:
    """The MEMEM_DIR a process of ours runs with, when the system says (Linux, same user)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"MEMEM_DIR="):
            return item[len(b"MEMEM_DIR=") :].decode("utf-8", "replace")
    return None


def lock_vault(vault: Path) -> int | None:
    """Hold the vault lock (an flock on the vault folder itself); return its fd, to close at shutdown.

    Raises VaultServed, naming the holder, when another daemon holds it. None when the vault cannot be
    opened or its file system has no flock: the owner lock still stands, as it did before this one.
    """
    try:
        fd = os.open(vault, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _flock_holder(fd)
        os.close(fd)
        state = _state_of(pid) if pid else None
        named = f"pid {pid}, " if pid else ""
        where = f"state in MEMEM_DIR={state}" if state else "with another MEMEM_DIR"
        raise VaultServed(
            f"another memem daemon ({named}{where}) already serves the vault {vault}: one daemon per vault; "
            + (f"stop it first (`kill {pid}`)" if pid else "stop it first")
            + ", or run memem with the same MEMEM_DIR as it"
        ) from None
    except OSError:
        os.close(fd)
        return None
    return fd
