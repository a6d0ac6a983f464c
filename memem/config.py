"""Where things live: the vault, memem's state folder, and each vault's derived indexes.

Kept import-light (stdlib only): the hooks read it on every prompt.

- The vault comes from `--vault`, else `MEMEM_VAULT`, else the default `memem init` recorded.
- State lives in `MEMEM_DIR` (default `~/.memem`): the per-install token, models, and one folder per
  vault (`vaults/<name>-<hash>/`) holding its indexes, lock, daemon address and logs. Everything in a
  vault's state folder is derived and can be deleted; `memem index` rebuilds it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from memem.settings import settings

DEFAULT_MEMORIES = "memem/memories"
QUARANTINE_FOLDER = "memem/quarantine"
PROPOSALS_FOLDER = "memem/proposals"
"""Consolidation's proposals (`memory/consolidate.py`): notes memem edits, outside the memories folder."""
PLAYBOOKS_FOLDER = "memem/playbooks"
"""Each project's playbook (`vault/playbooks.py`): notes memem writes, outside the memories folder."""
OWN_FOLDERS = (QUARANTINE_FOLDER, PROPOSALS_FOLDER, PLAYBOOKS_FOLDER)
"""memem's folders outside the memories, whose writes a restart repairs too."""


class ConfigError(RuntimeError):
    """memem cannot tell which vault to use, or its state folder is unusable."""


def memem_home() -> Path:
    return settings().home


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) a folder only its owner can enter: 0700.

    memem's state holds the daemon's token, the catalog (every note's text) and logs; on a shared
    machine none of it is for other users. A folder created earlier with looser bits is tightened.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_mode & 0o077 and path.owner() == _me():
            path.chmod(0o700)
    except (OSError, KeyError):
        pass  # a folder we do not own, or no user database: leave it as it is
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it is missing (so whoever opens it next keeps that mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass
    return path


def _me() -> str:
    import getpass

    return getpass.getuser()


def _config_file(home: Path) -> Path:
    return home / "config.json"


def read_config(home: Path | None = None) -> dict[str, object]:
    path = _config_file(home or memem_home())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_config(values: dict[str, object], home: Path | None = None) -> None:
    home = private_dir(home or memem_home())
    merged = {**read_config(home), **values}
    temp = _config_file(home).with_suffix(f".{os.getpid()}.tmp")  # two first-run processes may write at once
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # Non-ASCII as it is (UTF-8), not as \u escapes: the hook shim reads `default_vault` with bash
    # alone. A path that is not valid UTF-8 (a surrogate escape) can only be written escaped.
    text = json.dumps(merged, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(merged, indent=2)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(temp, _config_file(home))


class Paths:
    """All paths for one vault. Construct with `Paths.resolve()`.

    A plain class rather than a dataclass: the hooks build one on every prompt, and importing
    `dataclasses` alone costs them ~8 ms.
    """

    __slots__ = ("_state", "home", "memories_folder", "vault")

    def __init__(self, vault: Path, home: Path, memories_folder: str = DEFAULT_MEMORIES) -> None:
        self.vault = vault
        self.home = home
        self.memories_folder = memories_folder
        self._state: Path | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Paths) and (self.vault, self.home, self.memories_folder) == (
            other.vault, other.home, other.memories_folder,
        )  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.vault, self.home, self.memories_folder))

    def __repr__(self) -> str:
        return f"Paths(vault={self.vault!r}, home={self.home!r})"

    @classmethod
    def resolve(cls, vault: str | os.PathLike[str] | None = None) -> Paths:
        home = memem_home()
        chosen = vault or settings().vault or read_config(home).get("default_vault")
        if not chosen:
            raise ConfigError("no vault given: pass --vault DIR, set MEMEM_VAULT, or create one with `memem init DIR`")
        path = Path(str(chosen)).expanduser().resolve()
        return cls(vault=path, home=home)

    @property
    def memories(self) -> Path:
        return self.vault / self.memories_folder

    @property
    def quarantine(self) -> Path:
        """Where text that reads as instructions to a model waits for the person: beside the
        memories folder, so nothing in it is ever indexed or recalled."""
        return self.vault / QUARANTINE_FOLDER

    @property
    def state(self) -> Path:
        if self._state is None:
            import hashlib

            digest = hashlib.sha256(str(self.vault).encode()).hexdigest()[:10]
            safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.vault.name)[:40] or "vault"
            self._state = self.home / "vaults" / f"{safe}-{digest}"
        return self._state

    @property
    def catalog_db(self) -> Path:
        return self.state / "catalog.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.state / "chroma"

    @property
    def lock_file(self) -> Path:
        return self.state / "owner.lock"

    @property
    def daemon_file(self) -> Path:
        return self.state / "daemon.json"

    @property
    def spawn_lock(self) -> Path:
        return self.state / "spawn.lock"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    @property
    def token_file(self) -> Path:
        return self.home / "token"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    def ensure_state(self) -> None:
        for folder in (self.home, self.home / "vaults", self.state, self.log_dir):
            private_dir(folder)
        marker = self.state / "vault-path"
        if not marker.exists() or marker.read_text(encoding="utf-8").strip() != str(self.vault):
            private_file(marker).write_text(str(self.vault) + "\n", encoding="utf-8")


def claude_projects_dir() -> Path:
    """Where Claude Code keeps session transcripts (`CLAUDE_CONFIG_DIR` moves it)."""
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(base) if base else Path.home() / ".claude") / "projects"


def load_or_create_token(home: Path) -> str:
    """The per-install secret that loopback clients present. Created once, mode 0600."""
    return load_or_create_secret(home / "token")


def load_or_create_secret(path: Path) -> str:
    """The random secret kept in `path`, created once with mode 0600 in a 0700 folder."""
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    import secrets

    private_dir(path.parent)
    temp = path.parent / f".{path.name}-{secrets.token_hex(6)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    try:
        os.link(temp, path)  # create-if-absent: when two processes race, both end up with the winner's
    except FileExistsError:
        with contextlib.suppress(OSError):
            if not path.read_text(encoding="utf-8").strip():  # an empty one (a full disk, a truncation):
                os.replace(temp, path)  # no token at all left every request refused, for good
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise OSError(f"the secret file {path} is empty and could not be written")
    return token
