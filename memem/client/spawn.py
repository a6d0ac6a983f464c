"""Starting the daemon in the background, once, however many callers ask at the same moment.

Ten hooks firing together must start one daemon, not ten. A caller takes `spawn.lock` (flock,
non-blocking); losers wait for `daemon.json` instead of spawning. The winner's child inherits the
locked file descriptor and closes it only after it holds the vault's owner lock, so there is no
window in which a second spawner could see "no daemon, nobody starting one". Stdlib only: hooks
import this.

A vault another daemon already serves (one started with another MEMEM_DIR: it holds the vault lock,
`sync.lock.lock_vault`) is not spawned for at all: the daemon would only refuse to start, at every
hook, every relay call and every `memem mine`. The refusal, naming the holder, is written to
`spawn.log` once, where `spawn_failure` reads it for the caller to show.

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
from memem.sync.lock import VaultServed, is_locked, lock_vault, pid_alive

ENV_SPAWN_FD = "MEMEM_SPAWN_FD"


SESSION_ONLY = ("MEMEM_PROJECT",)
"""Variables that describe one session: a daemon serves every session, so it never inherits them
(the hook shim sends the session's own with each event)."""
SETTLE = 0.3  # how long a spawn must look over (its process gone, no daemon) before a waiter believes it

_children: dict[int, subprocess.Popen[bytes]] = {}  # the daemons this process started: polled, so reaped


def wait_for_daemon(paths: Paths, timeout: float, until_spawn_ends: bool = False) -> DaemonInfo | None:
    """The daemon once it runs, or None after `timeout`; with `until_spawn_ends`, also None as soon as
    the process starting it has exited without one (a vault it cannot open, a crash: `spawn_failure`)."""
    deadline = time.monotonic() + timeout
    over_since: float | None = None
    while True:
        info = read_daemon(paths.daemon_file, paths.lock_file)
        if info is not None or time.monotonic() >= deadline:
            return info
        if until_spawn_ends:
            if not _spawn_running(paths) and not is_locked(paths.lock_file):
                over_since = over_since or time.monotonic()
                if time.monotonic() - over_since >= SETTLE:
                    return read_daemon(paths.daemon_file, paths.lock_file)
            else:
                over_since = None
        time.sleep(0.05)


def _spawned_pid(paths: Paths) -> int | None:
    try:
        text = paths.spawn_lock.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _spawn_running(paths: Paths) -> bool:
    """Whether the last daemon process started for this vault is still running (starting, or serving)."""
    pid = _spawned_pid(paths)
    if pid is None:
        return False
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    return pid_alive(pid)


def spawn_failure(paths: Paths) -> str | None:
    """Why the last daemon start failed, as it said it (the end of spawn.log), if it has exited."""
    if _spawn_running(paths):
        return None
    try:
        with open(paths.log_dir / "spawn.log", "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 2000))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1][:400] if lines else None


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
    paths: Paths,
    args: list[str],
    log_name: str,
    env: dict[str, str],
    pass_fds: tuple[int, ...] = (),
    serves_all_sessions: bool = False,
) -> subprocess.Popen[bytes] | None:
    """Start `memem ARGS` in a session of its own, output appended to `log_name` in the vault's log folder.

    It runs from the vault's state folder (its own, never a folder a person works in) with MEMEM_DIR
    and MEMEM_VAULT made absolute, so a relative path given to this process means the same there.
    Nothing starts while the runtime is being built (the next hook after it is ready starts it).
    A process that `serves_all_sessions` (the daemon) does not inherit this session's SESSION_ONLY
    variables: one session's MEMEM_PROJECT must not become every session's.
    """
    if not runtime_ready():
        return None
    paths.ensure_state()
    child_env = {**os.environ, **env, "MEMEM_VAULT": str(paths.vault), "MEMEM_DIR": str(paths.home.absolute())}
    if serves_all_sessions:
        for name in SESSION_ONLY:
            child_env.pop(name, None)
    log = os.open(paths.log_dir / log_name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # logs quote notes
    try:
        return subprocess.Popen(
            memem_argv(paths, *args), cwd=paths.state, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env=child_env, pass_fds=pass_fds, start_new_session=True, close_fds=True,
        )  # fmt: skip
    finally:
        os.close(log)


def served_elsewhere(paths: Paths) -> str | None:
    """Why no daemon may be started for this vault here, when another daemon (with its state in another
    MEMEM_DIR) serves it: the vault lock's refusal, naming the holder (its pid and MEMEM_DIR where the
    system says). None when the vault lock is free, or cannot be had at all (a daemon starts as before).
    The lock is taken for an instant only and given back at once."""
    try:
        fd = lock_vault(paths.vault)
    except VaultServed as exc:
        return str(exc)
    if fd is not None:
        os.close(fd)
    return None


def _log_refusal(paths: Paths, reason: str) -> None:
    """Write why no daemon was started at the end of spawn.log, where `spawn_failure` finds it; once for
    a run of refusals (a hook at every prompt must not grow the log)."""
    line = f"memem: not starting: {reason}"
    if spawn_failure(paths) == line[:400]:
        return
    fd = os.open(paths.log_dir / "spawn.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def spawn_daemon(paths: Paths, wait: float = 0.0) -> DaemonInfo | None:
    """Make sure a daemon runs for this vault; return its info if it answers within `wait` seconds.

    The wait ends early when the process starting it exits without a daemon (`spawn_failure` says why):
    a vault that cannot be opened fails at once, not after the whole wait. A vault another daemon serves
    (`served_elsewhere`) starts nothing and returns None at once; `spawn_failure` names that daemon."""
    info = read_daemon(paths.daemon_file, paths.lock_file)
    if info is not None or not runtime_ready():
        return info
    paths.ensure_state()
    fd = os.open(paths.spawn_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return wait_for_daemon(paths, wait, until_spawn_ends=True)  # someone else is starting it
        if read_daemon(paths.daemon_file, paths.lock_file) is None and not is_locked(paths.lock_file):
            served = served_elsewhere(paths)
            if served is not None:
                _log_refusal(paths, served)
                return None
            child = start_detached(
                paths, ["serve", "--quiet"], "spawn.log", {ENV_SPAWN_FD: str(fd)}, pass_fds=(fd,),
                serves_all_sessions=True,
            )  # fmt: skip
            if child is not None:
                _children[child.pid] = child
                os.ftruncate(fd, 0)  # the child's pid, for waiters in other processes (`_spawn_running`)
                os.pwrite(fd, f"{child.pid}\n".encode(), 0)
    finally:
        os.close(fd)  # the child keeps its copy locked until it owns the vault
    return wait_for_daemon(paths, wait, until_spawn_ends=True)


def release_inherited_spawn_lock() -> None:
    """Called by a daemon once it holds the owner lock: let the next spawner look again."""
    fd = settings().spawn_fd
    os.environ.pop(ENV_SPAWN_FD, None)  # the daemon's own children must not inherit a closed fd's number
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
