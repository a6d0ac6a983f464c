"""Starting the daemon in the background, once, however many callers ask at the same moment.

Ten hooks firing together must start one daemon, not ten. A caller takes `spawn.lock` (flock,
non-blocking); losers wait for `daemon.json` instead of spawning. The winner's child inherits the
locked file descriptor and closes it only after it holds the vault's owner lock, so there is no
window in which a second spawner could see "no daemon, nobody starting one". Stdlib only: hooks
import this.

Every Python process memem starts of its own runs `python -P` from a neutral folder: hooks and
`memem mcp` often run from the vault's root, and every vault has a `memem/` folder (its notes) that
`python -m memem` would otherwise import in place of the package.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import time

from memem.client.discovery import DaemonInfo, read_daemon
from memem.config import Paths
from memem.settings import settings
from memem.sync.lock import is_locked

ENV_SPAWN_FD = "MEMEM_SPAWN_FD"


def wait_for_daemon(paths: Paths, timeout: float) -> DaemonInfo | None:
    deadline = time.monotonic() + timeout
    while True:
        info = read_daemon(paths.daemon_file, paths.lock_file)
        if info is not None or time.monotonic() >= deadline:
            return info
        time.sleep(0.05)


def runtime_ready() -> bool:
    """False while memem's runtime is still being built (this process then runs in the bootstrap Python,
    where only memem's standard-library parts work: no daemon, no miner can start yet)."""
    pending = settings().pending_runtime
    return pending is None or (pending / ".ready").is_file()


def memem_argv(paths: Paths, *args: str) -> list[str]:
    """The command line for `memem --vault VAULT ARGS` in memem's runtime, never importing from the cwd."""
    pending = settings().pending_runtime
    python = str(pending / "bin" / "python") if pending is not None else sys.executable
    return [python, "-P", "-m", "memem", "--vault", str(paths.vault), *args]


def start_detached(
    paths: Paths, args: list[str], log_name: str, env: dict[str, str], pass_fds: tuple[int, ...] = ()
) -> None:
    """Start `memem ARGS` in a session of its own, output appended to `log_name` in the vault's log folder.

    It runs from the vault's state folder (its own, never a folder a person works in) with MEMEM_DIR
    and MEMEM_VAULT made absolute, so a relative path given to this process means the same there.
    Nothing starts while the runtime is being built (the next hook after it is ready starts it).
    """
    if not runtime_ready():
        return
    paths.ensure_state()
    child_env = {**os.environ, **env, "MEMEM_VAULT": str(paths.vault), "MEMEM_DIR": str(paths.home.absolute())}
    log = os.open(paths.log_dir / log_name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # logs quote notes
    try:
        subprocess.Popen(
            memem_argv(paths, *args), cwd=paths.state, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env=child_env, pass_fds=pass_fds, start_new_session=True, close_fds=True,
        )  # fmt: skip
    finally:
        os.close(log)


def spawn_daemon(paths: Paths, wait: float = 0.0) -> DaemonInfo | None:
    """Make sure a daemon runs for this vault; return its info if it answers within `wait` seconds."""
    info = read_daemon(paths.daemon_file, paths.lock_file)
    if info is not None or not runtime_ready():
        return info
    paths.ensure_state()
    fd = os.open(paths.spawn_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return wait_for_daemon(paths, wait)  # someone else is starting it
        if read_daemon(paths.daemon_file, paths.lock_file) is None and not is_locked(paths.lock_file):
            start_detached(paths, ["serve", "--quiet"], "spawn.log", {ENV_SPAWN_FD: str(fd)}, pass_fds=(fd,))
    finally:
        os.close(fd)  # the child keeps its copy locked until it owns the vault
    return wait_for_daemon(paths, wait)


def release_inherited_spawn_lock() -> None:
    """Called by a daemon once it holds the owner lock: let the next spawner look again."""
    fd = settings().spawn_fd
    os.environ.pop(ENV_SPAWN_FD, None)  # the daemon's own children must not inherit a closed fd's number
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
