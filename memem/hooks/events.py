"""What each Claude Code hook event does, whoever runs it.

Two runners share this: the daemon (fast path: the hook shim hands the event straight to the daemon
over loopback) and the `memem hook` process (when no daemon answers). They differ only in their
`Backend`: the daemon recalls in-process; the hook process asks the daemon over HTTP or, failing
that, reads the SQLite catalog. Standard library only.
"""

from __future__ import annotations

import os
import time

from memem.config import Paths
from memem.project import project_of

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Protocol

    class Backend(Protocol):
        paths: Paths

        def inject(self, prompt: str, project: str | None, budget: int, session: str | None = None) -> str: ...
        def turn_ended(self, session: str | None, transcript: str | None) -> None: ...
        def session(self, project: str | None, budget: int) -> str: ...


EVENTS = ("SessionStart", "UserPromptSubmit", "Stop")
ENV_DISABLED = "MEMEM_HOOKS_DISABLED"
BUDGET_TOKENS = 600  # ~2,400 characters: far under Claude Code's 10,000-character context cap
SWEEP_EVERY = 600.0
LOG_LIMIT = 1_000_000


def log(home: Path | None, message: str) -> None:
    from memem.config import memem_home, private_dir

    try:
        folder = private_dir((home or memem_home()) / "logs")
        path = folder / "hooks.log"
        if path.exists() and path.stat().st_size > LOG_LIMIT:
            path.replace(folder / "hooks.log.1")
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {message}\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError:
        pass


def context(event: str, markdown: str, notice: str | None = None) -> dict[str, Any] | None:
    """The exact output Claude Code accepts for SessionStart and UserPromptSubmit (None: print nothing)."""
    out: dict[str, Any] = {}
    if markdown:
        out["hookSpecificOutput"] = {"hookEventName": event, "additionalContext": markdown}
    if notice:
        out["systemMessage"] = notice
    return out or None


def detached(args: list[str], paths: Paths) -> None:
    """Run `memem ARGS` in the background, with memem's own hooks switched off for it."""
    from memem.client.spawn import start_detached  # `python -P`, from a neutral folder: see there

    start_detached(paths, args, "miner.log", {ENV_DISABLED: "1"})


def session_start(
    data: dict[str, Any], backend: Backend, notice: str | None = None, session_env: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Prime the project's pinned memories; sweep sessions whose Stop never ran (if mining is on).
    `session_env`: the session's memem variables when this process is not the session's (the daemon)."""
    from memem.mining import optin

    paths = backend.paths
    markdown = backend.session(project_of(data.get("cwd"), session_env), BUDGET_TOKENS)
    if optin.enabled(paths.home):
        from memem.mining.notices import notice as mining_notice

        told = mining_notice(paths.home)  # parts of sessions the miner set aside, said once
        notice = " ".join(n for n in (notice, told) if n) or None
        paths.ensure_state()
        stamp = paths.state / "last-sweep"
        if not stamp.exists() or time.time() - stamp.stat().st_mtime > SWEEP_EVERY:
            stamp.touch(mode=0o600)
            detached(["mine", "--sweep"], paths)
    return context("SessionStart", markdown, notice)


def user_prompt_submit(
    data: dict[str, Any], backend: Backend, notice: str | None = None, session_env: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """The memories relevant to this prompt, if any clear the floor; nothing for trivial prompts.
    `session_env`: the session's memem variables when this process is not the session's (the daemon)."""
    from memem.recall.text import is_trivial

    prompt = str(data.get("prompt") or "")
    if is_trivial(prompt):
        return context("UserPromptSubmit", "", notice)
    session = data.get("session_id") if isinstance(data.get("session_id"), str) else None
    markdown = backend.inject(prompt, project_of(data.get("cwd"), session_env), BUDGET_TOKENS, session)
    return context("UserPromptSubmit", markdown, notice)


def stop(data: dict[str, Any], backend: Backend, notice: str | None = None) -> None:
    """Judge the memories shown in the turn (the daemon, in a thread); start the miner for this session's
    new turns, detached. Returns at once; never prints.

    Nothing of the session goes to a model unless the person opted in to mining: one rule
    (`judging.session_text_may_leave`) decides it for the miner here and for the ledger's judge in the
    daemon, which otherwise judges by the words alone, on this machine."""
    from pathlib import Path

    from memem.mining.judging import session_text_may_leave

    paths = backend.paths
    session, transcript = data.get("session_id"), data.get("transcript_path")
    backend.turn_ended(
        session if isinstance(session, str) else None, transcript if isinstance(transcript, str) else None
    )
    if not session_text_may_leave(paths.home):
        return
    transcript = data.get("transcript_path")
    if isinstance(transcript, str) and Path(transcript).is_file():
        detached(["mine", "--session", transcript], paths)
        log(paths.home, f"Stop: mining {transcript} in the background")


TEXT_FIELDS = ("cwd", "prompt", "session_id", "transcript_path")
"""The event fields memem reads; each is text (or absent) in what Claude Code sends."""


def payload_problem(data: dict[str, Any]) -> str | None:
    """Why an event's JSON cannot be answered (a field memem reads is not text), or None. The daemon's
    route answers it as a 400 that names the field, rather than failing inside with a TypeError."""
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            return f"`{name}` must be a string"
        if isinstance(value, str) and "\x00" in value:
            return f"`{name}` cannot contain a NUL character"
    return None


def respond(
    event: str,
    data: dict[str, Any],
    backend: Backend,
    notice: str | None = None,
    session_env: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The output for one event (None: print nothing). Stop never prints. `session_env`: the asking
    session's memem variables, for a runner that is not the session's own process (the daemon)."""
    if event == "SessionStart":
        return session_start(data, backend, notice, session_env)
    if event == "UserPromptSubmit":
        return user_prompt_submit(data, backend, notice, session_env)
    if event == "Stop":
        stop(data, backend, notice)
        return None
    raise ValueError(f"unknown hook event {event!r}")
