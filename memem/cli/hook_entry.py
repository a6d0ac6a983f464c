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

from memem.config import Paths, load_or_create_token
from memem.hooks.events import log, respond
from memem.settings import settings

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import Any, TextIO

DAEMON_TIMEOUT = 4.0  # the whole exchange with the daemon: the hook then answers from the catalog
PROMPT_LIMIT = 100_000
"""Characters of a prompt recall looks at: the head of a pasted log says what it is about, and matching
megabytes of it would cost seconds of the hook's time (the daemon refuses a body over 4 MB anyway)."""


SPEAKING = ("SessionStart", "UserPromptSubmit")
"""The events whose output the person sees: one-time notices are spent only on these (Stop prints nothing)."""


def _paths(event: str, vault: str | None = None) -> tuple[Paths, str | None]:
    """The vault's paths (`vault`: `memem --vault`; created on a first run), and, for an event that
    can say it, where it is if no one was told yet."""
    from memem.vault.template import first_run_paths, vault_notice

    paths = first_run_paths(vault)
    _unescape_config(paths)
    return paths, vault_notice() if event in SPEAKING else None


def _unescape_config(paths: Paths) -> None:
    """Rewrite a config.json that an older memem wrote with \\u escapes (a non-ASCII vault path) as
    UTF-8: the shim's bash cannot read an escaped `default_vault`, and skipped its fast path for good."""
    from memem.config import write_config

    try:
        raw = (paths.home / "config.json").read_bytes()
    except OSError:
        return
    if b"\\u" in raw:
        try:
            write_config({}, paths.home)
        except OSError as exc:
            log(paths.home, f"could not rewrite config.json plainly: {exc}")


def runtime_notice(event: str) -> str | None:
    """While memem's runtime is being built: say so at the session's start; if the build failed, say
    why and how to fix it, once (the shim then waits before trying again, rather than every session)."""
    pending = settings().pending_runtime
    if event not in SPEAKING or pending is None or (pending / ".ready").is_file():
        return None
    failed, told = pending.with_name(pending.name + ".failed"), pending.with_name(pending.name + ".failed.told")
    if failed.is_file():
        if told.exists() and told.stat().st_mtime >= failed.stat().st_mtime:
            return None
        try:
            reason = failed.read_text(encoding="utf-8", errors="replace").strip()[:400]
            told.touch()
        except OSError:
            return None
        return (
            f"memem could not set up its Python environment: {reason}. Until it can, memory is not recalled "
            f"or mined. Fix the cause, then run `{_setup_command(pending)}` (or wait: memem tries "
            "again in six hours)."
        )
    if event != "SessionStart":
        return None
    log_file = settings().home / "logs" / "setup.log"
    return (
        f"memem is setting up its Python environment (first run, about a minute; log: {log_file}). Its "
        "tools answer meanwhile, and memory is recalled as soon as it is ready."
    )


def _setup_command(runtime: Any) -> str:
    """The command that builds the runtime by hand (the plugin's own setup script)."""
    import shlex
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "hooks" / "setup-runtime"
    return f"{shlex.quote(str(script))} {shlex.quote(str(runtime))}"


class ClientBackend:
    """Recall through the daemon; with none running, start one and answer from the catalog."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def _call(self, path: str, payload: dict[str, Any]) -> Any | None:
        from memem.client.discovery import hook_stalled, mark_hook_stalled, read_daemon
        from memem.client.http import DaemonError, DaemonUnavailable, call

        info = read_daemon(self.paths.daemon_file, self.paths.lock_file)
        if info is None:
            from memem.client.spawn import runtime_ready, spawn_daemon

            if not runtime_ready():
                log(self.paths.home, "memem's runtime is still being built: answering from the catalog, if any")
                return None
            spawn_daemon(self.paths, wait=0)  # (none, when another MEMEM_DIR's daemon serves the vault)
            log(
                self.paths.home,
                "daemon not running: asked for one (spawn.log says how it went), answering from the catalog this time",
            )
            return None
        if hook_stalled(self.paths.home, self.paths.vault, info.pid):
            log(self.paths.home, f"daemon (pid {info.pid}) timed out lately: not asked for {path} this time")
            return None
        try:
            token = load_or_create_token(self.paths.home)
            return call(info.host, info.port, token, "POST", path, payload, timeout=DAEMON_TIMEOUT)
        except (DaemonUnavailable, DaemonError) as exc:
            if isinstance(exc.__cause__, TimeoutError):
                mark_hook_stalled(self.paths.home, self.paths.vault, info.pid)
            log(self.paths.home, f"daemon did not answer {path}: {exc}")
            return None

    def inject(self, prompt: str, project: str | None, budget: int, session: str | None = None) -> str:
        answer = self._call("/v1/inject", {"prompt": prompt, "project": project, "budget": budget, "session": session})
        if answer is not None:
            log(
                self.paths.home,
                f"UserPromptSubmit project={project} shown={answer.get('shown')} ({answer.get('reason')})",
            )
            return str(answer.get("markdown") or "")
        from memem.hooks.fallback import keyword_slice

        return keyword_slice(self.paths, prompt, project, budget)

    def turn_ended(self, session: str | None, transcript: str | None) -> None:
        """Ask the daemon to judge the memories shown in the turn (it answers at once and judges in a
        thread); with no daemon there is nothing to judge: nothing was recorded as shown."""
        if session and transcript:
            self._call("/v1/turn-ended", {"session": session, "transcript": transcript})

    def session(self, project: str | None, budget: int) -> str:
        answer = self._call("/v1/session", {"project": project, "budget": budget})
        if answer is not None:
            return str(answer.get("markdown") or "")
        from memem.hooks.fallback import pinned_slice

        return pinned_slice(self.paths, project, budget)


def _text(prompt: str) -> str:
    """The prompt with any lone surrogate (a `\\ud800` escape in the event's JSON, or a byte that is not
    UTF-8) made U+FFFD: the daemon refuses such a body, and the prompt lost its full recall for one
    character."""
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        return prompt.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return prompt


def run(event: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, vault: str | None = None) -> int:
    """Handle one hook event (`vault`: `memem --vault`, else the usual choice). Always exits 0: a hook
    must never break or stall Claude Code."""
    if settings().hooks_disabled:
        return 0
    started = time.monotonic()
    home = None
    try:
        raw = stdin.read()
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("hook input is not a JSON object")
        prompt = data.get("prompt")
        if isinstance(prompt, str) and len(prompt) > PROMPT_LIMIT:
            data["prompt"] = prompt = prompt[:PROMPT_LIMIT]
        if isinstance(prompt, str):
            data["prompt"] = _text(prompt)
        paths, notice = _paths(event, vault)
        home = paths.home
        setting_up = runtime_notice(event)
        notice = " ".join(n for n in (notice, setting_up) if n) or None
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
