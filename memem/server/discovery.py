"""How clients find a vault's running daemon: `daemon.json` in the vault's state folder.

Stdlib only: read on every hook run. A daemon counts as running when its file names a live pid and
the owner lock is held; a file left behind by a killed daemon is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from memem.sync.lock import is_locked


@dataclass(frozen=True)
class DaemonInfo:
    pid: int
    host: str
    port: int
    vault: str
    started: float
    version: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_daemon(daemon_file: Path, lock_file: Path) -> DaemonInfo | None:
    try:
        data = json.loads(daemon_file.read_text(encoding="utf-8"))
        info = DaemonInfo(**{k: data[k] for k in DaemonInfo.__dataclass_fields__})
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None
    if not _alive(info.pid) or not is_locked(lock_file):
        return None
    return info


def write_daemon(daemon_file: Path, info: DaemonInfo) -> None:
    temp = daemon_file.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(info), handle)
    os.replace(temp, daemon_file)


def clear_daemon(daemon_file: Path, pid: int) -> None:
    """Remove the file if it is still ours (a newer daemon may have replaced it)."""
    try:
        data = json.loads(daemon_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return
    if data.get("pid") == pid:
        daemon_file.unlink(missing_ok=True)
