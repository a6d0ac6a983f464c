"""How clients find a vault's running daemon: `daemon.json` in the vault's state folder.

Stdlib only: read on every hook run. A daemon counts as running when its file names a live pid and
the owner lock is held; a file left behind by a killed daemon is ignored.
"""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path

from memem.config import private_dir
from memem.sync.lock import is_locked, pid_alive


class DaemonInfo:
    """Where a running daemon answers (a plain class: see `Paths` for why not a dataclass)."""

    FIELDS = ("pid", "host", "port", "vault", "started", "version")
    __slots__ = FIELDS

    def __init__(self, pid: int, host: str, port: int, vault: str, started: float, version: str) -> None:
        self.pid, self.host, self.port = pid, host, port
        self.vault, self.started, self.version = vault, started, version

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.FIELDS}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def read_daemon(daemon_file: Path, lock_file: Path) -> DaemonInfo | None:
    try:
        data = json.loads(daemon_file.read_text(encoding="utf-8"))
        info = DaemonInfo(**{k: data[k] for k in DaemonInfo.FIELDS})
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None
    if not pid_alive(info.pid) or not is_locked(lock_file):
        return None
    return info


def _write_private(path: Path, text: str) -> None:
    """Replace `path` whole with `text`, readable by its owner only: a reader never sees half a file."""
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)


def write_daemon(daemon_file: Path, info: DaemonInfo) -> None:
    _write_private(daemon_file, json.dumps(info.as_dict()))


def clear_daemon(daemon_file: Path, pid: int) -> None:
    """Remove the file if it is still ours (a newer daemon may have replaced it)."""
    try:
        data = json.loads(daemon_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return
    if data.get("pid") == pid:
        daemon_file.unlink(missing_ok=True)


STALLED_FOR = 30
"""Seconds a daemon that did not answer a hook in time is left alone: the shim and the Python hook
answer without it meanwhile, rather than each prompt waiting for it again (hooks/memem writes the same
marker). A daemon that was only slow (its first recall) removes the marker itself when it answers."""


def hook_endpoint_file(home: Path, vault: Path) -> Path:
    """Where the hook shim finds a vault's daemon with bash alone: named after the vault's path, `%`
    and `/` escaped (with `/` alone made `%`, `/a/v%b` and `/a/v/b` shared one file, and a hook of
    one vault was answered from the other's daemon)."""
    return home / "hooks" / (str(vault).replace("%", "%25").replace("/", "%2F") + ".json")


def write_hook_endpoint(home: Path, vault: Path, pid: int, port: int) -> None:
    """A one-line JSON for the shim (no token in it: that stays in the 0600 token file)."""
    path = hook_endpoint_file(home, vault)
    private_dir(path.parent)
    try:
        _write_private(path, json.dumps({"pid": pid, "port": port}) + "\n")
    except OSError as exc:  # a vault path too long to name a file: the hooks take the Python way
        if exc.errno != errno.ENAMETOOLONG:
            raise


def clear_hook_endpoint(home: Path, vault: Path, pid: int) -> None:
    path = hook_endpoint_file(home, vault)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (FileNotFoundError, json.JSONDecodeError):
        pass


def hook_stalled_file(home: Path, vault: Path) -> Path:
    """Beside the endpoint: `PID EXPIRY` once daemon PID did not answer a hook in time (written by the
    shim and by the Python hook; removed by the daemon as soon as it answers a hook again)."""
    endpoint = hook_endpoint_file(home, vault)
    return endpoint.with_name(endpoint.name.removesuffix(".json") + ".stalled")


def hook_stalled(home: Path, vault: Path, pid: int) -> bool:
    """Whether daemon `pid` timed out on a hook (the shim's or the Python hook's) within STALLED_FOR s."""
    try:
        marked, expiry = hook_stalled_file(home, vault).read_text(encoding="utf-8").split()[:2]
        return int(marked) == pid and int(expiry) > time.time()
    except (OSError, ValueError):
        return False


def mark_hook_stalled(home: Path, vault: Path, pid: int) -> None:
    """Say daemon `pid` did not answer a hook in time, for the next STALLED_FOR seconds."""
    path = hook_stalled_file(home, vault)
    try:
        private_dir(path.parent)
        _write_private(path, f"{pid} {int(time.time()) + STALLED_FOR}\n")
    except OSError:
        pass


def clear_hook_stalled(home: Path, vault: Path, pid: int) -> None:
    path = hook_stalled_file(home, vault)
    try:
        if path.read_text(encoding="utf-8").split()[:1] == [str(pid)]:
            path.unlink()
    except (OSError, UnicodeDecodeError):
        pass
