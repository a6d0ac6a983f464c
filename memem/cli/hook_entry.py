"""Claude Code hooks in a process of their own: `memem hook EVENT`, the event's JSON on stdin.

The hook shim (hooks/memem) first hands each event straight to a running daemon (no Python start-up
on the warm path); this module is what runs when it cannot: no daemon yet, an unknown vault, a first
run. Rules that make it safe before every prompt:
- it imports nothing heavy (stdlib, plus memem's stdlib-only modules): no chromadb, no model;
- it asks the daemon, and when none answers it starts one (once, under a lock, no wait) and does
  what it can quickly this time (a keyword lookup in the SQLite catalog);
- it never breaks or stalls Claude Code: any error is logged and the hook exits 0 with no output;
- it prints exactly the shapes Claude Code accepts: `hookSpecificOutput` for SessionStart and
  UserPromptSubmit; nothing at all for Stop (older Claude Code rejected a Stop hook printing
  `hookSpecificOutput`, and 2.1.x answers it with one more model request: a miner must stay silent);
- memem's own processes set MEMEM_HOOKS_DISABLED, so memem's work never triggers memem's hooks.
"""

from __future__ import annotations

import json
import sys
import time

from memem.config import ConfigError, Paths, load_or_create_token
from memem.hooks.events import log, respond
from memem.settings import settings

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import Any, TextIO

DAEMON_TIMEOUT = 4.0


def _paths() -> tuple[Paths, str | None]:
    """The vault's paths; on a first run with no vault anywhere, create one and say so."""
    try:
        return Paths.resolve(), None
    except ConfigError:
        pass
    from memem.config import write_config
    from memem.vault.template import copy_missing, template_dir

    vault = settings().default_vault
    copy_missing(template_dir(), vault)
    write_config({"default_vault": str(vault)})
    notice = f"memem created its vault at {vault}: open that folder in Obsidian to see and curate memories."
    return Paths.resolve(vault), notice


class ClientBackend:
    """Recall through the daemon; with none running, start one and answer from the catalog."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def _call(self, path: str, payload: dict[str, Any]) -> Any | None:
        from memem.client.discovery import read_daemon
        from memem.client.http import DaemonError, DaemonUnavailable, call

        info = read_daemon(self.paths.daemon_file, self.paths.lock_file)
        if info is None:
            from memem.client.spawn import spawn_daemon

            spawn_daemon(self.paths, wait=0)
            log(self.paths.home, "daemon not running: started one, answering from the catalog this time")
            return None
        try:
            token = load_or_create_token(self.paths.home)
            return call(info.host, info.port, token, "POST", path, payload, timeout=DAEMON_TIMEOUT)
        except (DaemonUnavailable, DaemonError) as exc:
            log(self.paths.home, f"daemon did not answer {path}: {exc}")
            return None

    def inject(self, prompt: str, project: str | None, budget: int) -> str:
        answer = self._call("/v1/inject", {"prompt": prompt, "project": project, "budget": budget})
        if answer is not None:
            log(
                self.paths.home,
                f"UserPromptSubmit project={project} shown={answer.get('shown')} ({answer.get('reason')})",
            )
            return str(answer.get("markdown") or "")
        from memem.hooks.fallback import keyword_slice

        return keyword_slice(self.paths, prompt, project, budget)

    def session(self, project: str | None, budget: int) -> str:
        answer = self._call("/v1/session", {"project": project, "budget": budget})
        if answer is not None:
            return str(answer.get("markdown") or "")
        from memem.hooks.fallback import pinned_slice

        return pinned_slice(self.paths, project, budget)


def run(event: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Handle one hook event. Always exits 0: a hook must never break or stall Claude Code."""
    if settings().hooks_disabled:
        return 0
    started = time.monotonic()
    home = None
    try:
        raw = stdin.read()
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("hook input is not a JSON object")
        paths, notice = _paths()
        home = paths.home
        output = respond(event, data, ClientBackend(paths), notice)
        if output is not None and event != "Stop":
            stdout.write(json.dumps(output, ensure_ascii=False))
            stdout.flush()
    except Exception as exc:  # by design: log, exit 0, print nothing
        import traceback  # only on the error path: importing it costs every prompt ~4 ms

        log(home, f"{event} failed: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
    finally:
        log(home, f"{event} done in {(time.monotonic() - started) * 1000:.0f} ms")
    return 0
