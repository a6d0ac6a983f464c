"""Starting the daemon in the background, once, however many callers ask at the same moment.

Ten hooks firing together must start one daemon, not ten. A caller takes `spawn.lock` (flock,
non-blocking); losers wait for `daemon.json` instead of spawning. The winner's child inherits the
locked file descriptor and closes it only after it holds the vault's owner lock, so there is no
window in which a second spawner could see "no daemon, nobody starting one". Stdlib only: hooks
import this.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import time

from memem.config import Paths
from memem.server.discovery import DaemonInfo, read_daemon
from memem.sync.lock import is_locked

ENV_SPAWN_FD = "MEMEM_SPAWN_FD"


def wait_for_daemon(paths: Paths, timeout: float) -> DaemonInfo | None:
    deadline = time.monotonic() + timeout
    while True:
        info = read_daemon(paths.daemon_file, paths.lock_file)
        if info is not None or time.monotonic() >= deadline:
            return info
        time.sleep(0.05)


def spawn_daemon(paths: Paths, wait: float = 0.0) -> DaemonInfo | None:
    """Make sure a daemon runs for this vault; return its info if it answers within `wait` seconds."""
    info = read_daemon(paths.daemon_file, paths.lock_file)
    if info is not None:
        return info
    paths.ensure_state()
    fd = os.open(paths.spawn_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return wait_for_daemon(paths, wait)  # someone else is starting it
        if read_daemon(paths.daemon_file, paths.lock_file) is None and not is_locked(paths.lock_file):
            log = open(paths.log_dir / "spawn.log", "ab")  # noqa: SIM115 - handed to the child
            env = {**os.environ, ENV_SPAWN_FD: str(fd), "MEMEM_VAULT": str(paths.vault)}
            subprocess.Popen(
                [sys.executable, "-m", "memem", "--vault", str(paths.vault), "serve", "--quiet"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, pass_fds=(fd,),
                start_new_session=True, close_fds=True,
            )  # fmt: skip
            log.close()
    finally:
        os.close(fd)  # the child keeps its copy locked until it owns the vault
    return wait_for_daemon(paths, wait)


def release_inherited_spawn_lock() -> None:
    """Called by a daemon once it holds the owner lock: let the next spawner look again."""
    value = os.environ.pop(ENV_SPAWN_FD, None)
    if value and value.isdigit():
        with contextlib.suppress(OSError):
            os.close(int(value))
