"""The owner lock in transition: a refused process never decides on an empty or half-written record.

A real second process holds the flock while the test controls what its record says, step by step,
so the moments that used to be races (taken but not yet written, cleared but not yet released, a
kill -9'd holder's leftover) are reproduced exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.sync.lock import TRANSITION_GRACE, LockHeld, OwnerLock, read_holder

# Takes the flock leaving the file as it is, then obeys one command per stdin line: `write ROLE`
# (its record, the way OwnerLock writes it), `release` (clear, then unlock, as OwnerLock does), `exit`.
HOLDER = """
import fcntl, json, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
for line in sys.stdin:
    command, _, arg = line.strip().partition(" ")
    if command == "write":
        record = json.dumps({"pid": os.getpid(), "role": arg, "since": 0}).encode()
        os.pwrite(fd, record, 0)
        os.ftruncate(fd, len(record))
    elif command == "release":
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        break
    print("done", flush=True)
"""


class Holder:
    """Another process holding the lock file's flock, its record written only when told."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "locked\n"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tell(self, command: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline() == "done\n"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "owner.lock"


@pytest.fixture
def holder(lock_path: Path) -> Iterator[Holder]:
    lock_path.parent.mkdir(parents=True)
    lock_path.touch()
    running = Holder(lock_path)
    yield running
    running.close()


class Acquirer:
    """A daemon-style acquire running on a thread, so the test can act while it waits."""

    def __init__(self, path: Path, **patience: float) -> None:
        self.lock = OwnerLock(path, "daemon")
        self.error: LockHeld | None = None
        self.took: float | None = None
        self.thread = threading.Thread(target=self._run, kwargs=patience)
        self.started = time.monotonic()
        self.thread.start()

    def _run(self, **patience: float) -> None:
        try:
            self.lock.acquire(**patience)
        except LockHeld as exc:
            self.error = exc
        self.took = time.monotonic() - self.started

    def finish(self, timeout: float = 10) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "acquire() never returned"


def test_a_daemon_waits_while_the_holder_is_unnamed_then_names_it(lock_path: Path, holder: Holder) -> None:
    """Taken but not yet written: the old code refused at once with "pid ?"."""
    assert lock_path.read_text() == ""
    daemon = Acquirer(lock_path, wait_for_commands=30)
    time.sleep(0.5)
    assert daemon.thread.is_alive() and daemon.error is None  # still looking, not refused on an empty record
    holder.tell("write daemon")
    daemon.finish()
    assert daemon.error is not None
    assert f"memem daemon (pid {holder.pid})" in str(daemon.error)
    assert daemon.error.holder["pid"] == holder.pid


def test_a_daemon_outwaits_a_command_whose_record_comes_late(lock_path: Path, holder: Holder) -> None:
    """Unnamed, then a command, then released: the daemon gets the lock and its own record is on disk."""
    daemon = Acquirer(lock_path, wait_for_commands=30)
    time.sleep(0.3)
    holder.tell("write command")
    time.sleep(0.3)
    assert daemon.thread.is_alive()  # a command holds it: the daemon is patient
    holder.tell("release")
    daemon.finish()
    assert daemon.error is None
    assert read_holder(lock_path) == {"pid": os.getpid(), "role": "daemon", "since": read_holder(lock_path)["since"]}
    daemon.lock.release()
    assert lock_path.read_text() == ""


def test_a_kill_9_leftover_naming_a_dead_pid_is_not_the_holder(lock_path: Path, tmp_path: Path) -> None:
    """The new holder has the flock but has not yet overwritten a dead holder's record."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path.parent.mkdir(parents=True)
    lock_path.write_text(json.dumps({"pid": int(dead.stdout), "role": "daemon", "since": 0}))
    holder = Holder(lock_path)
    try:
        daemon = Acquirer(lock_path, wait_for_commands=30)
        time.sleep(0.5)
        assert daemon.thread.is_alive()  # a record naming a dead daemon is no reason to give up
        holder.tell("write daemon")
        daemon.finish()
    finally:
        holder.close()
    assert daemon.error is not None and f"pid {holder.pid}" in str(daemon.error)


def test_with_no_patience_an_unnamed_holder_still_gets_the_grace(lock_path: Path, holder: Holder) -> None:
    command = Acquirer(lock_path)  # wait=0, wait_for_commands=0: a command refused by whoever holds it
    command.finish()
    assert command.error is not None and command.took is not None
    assert command.took >= TRANSITION_GRACE  # looked again for a while before answering "pid ?"
    assert "pid ?" in str(command.error)


def test_a_named_daemon_is_refused_at_once(lock_path: Path, holder: Holder) -> None:
    holder.tell("write daemon")
    second = Acquirer(lock_path, wait_for_commands=30)
    second.finish()
    assert second.error is not None and second.took is not None and second.took < 0.5
    assert f"memem daemon (pid {holder.pid})" in str(second.error)


def test_overwriting_a_longer_record_leaves_exactly_the_new_one(lock_path: Path) -> None:
    lock_path.parent.mkdir(parents=True)
    lock_path.write_text(json.dumps({"pid": 1, "role": "command", "since": 0, "padding": "x" * 200}))
    with OwnerLock(lock_path, "daemon"):
        record = json.loads(lock_path.read_text())
        assert set(record) == {"pid", "role", "since"} and record["pid"] == os.getpid()


CHURN = """
import sys, time
from pathlib import Path
from memem.sync.lock import OwnerLock
path, until = Path(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < until:
    with OwnerLock(path, "command").acquire(wait=30):
        pass
"""


def test_a_daemon_is_never_refused_by_commands_taking_and_dropping_the_lock(lock_path: Path) -> None:
    """The reported race, as it happens: short commands churn the lock while a daemon starts."""
    lock_path.parent.mkdir(parents=True)
    churners = [
        subprocess.Popen([sys.executable, "-P", "-c", CHURN, str(lock_path), "3"], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 2.5
        starts = 0
        while time.monotonic() < deadline:
            lock = OwnerLock(lock_path, "daemon").acquire(wait_for_commands=30)  # raises LockHeld on a misread
            lock.release()
            starts += 1
    finally:
        errors = [proc.communicate(timeout=60)[1] for proc in churners]
    assert starts > 10
    assert all(proc.returncode == 0 for proc in churners), errors
