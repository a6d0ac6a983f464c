"""Twenty Claude Code-like sessions leave no memem process behind but the one daemon.

Each session is what Claude Code runs: the SessionStart hook, a `memem mcp` server driven through
initialize, tools/list and one memory_search and then closed (stdin EOF, as Claude Code does on
exit), a UserPromptSubmit hook and a Stop hook. Nothing waits for the relay to exit: that is the
relay's job. Afterwards, every process still running for this test's memem state is a leak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.testing import INITIALIZE, RunningDaemon, StdioSession, ready_daemon, write_note

pytestmark = pytest.mark.slow
SESSIONS = 20
GRACE = 5.0


@pytest.fixture
def daemon(fresh_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningDaemon]:
    monkeypatch.setenv("MEMEM_VAULT", str(fresh_vault))
    write_note(fresh_vault, "Deploys", "Deploys run from the release branch only.", id="deploys", project="shop")
    with ready_daemon(fresh_vault) as running:
        yield running


def hook(event: str, cwd: Path, **payload: object) -> None:
    data = json.dumps({"session_id": f"s-{time.time_ns()}", "hook_event_name": event, "cwd": str(cwd), **payload})
    done = subprocess.run(
        [sys.executable, "-P", "-m", "memem", "hook", event], input=data, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def mcp_session(vault: Path, cwd: Path) -> StdioSession:
    session = StdioSession(vault, cwd=cwd)
    session.request(INITIALIZE)
    session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert len(session.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})["result"]["tools"]) > 5
    found = session.request({
        "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "memory_search", "arguments": {"query": "which branch do deploys use", "project": "shop"}},
    })  # fmt: skip
    assert found["result"]["structuredContent"]["results"][0]["id"] == "deploys"
    session.close_stdin()
    return session


def memem_processes(state: Path, exclude: set[int]) -> dict[int, str]:
    """Live processes running memem for this test's MEMEM_DIR (other tests' and people's are not ours)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in exclude:
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        is_memem = any(part.endswith(b"memem") or b"memem.hooks" in part for part in cmdline)
        if is_memem and f"MEMEM_DIR={state}".encode() in environ:
            found[int(proc.name)] = b" ".join(cmdline).decode(errors="replace")
    return found


def test_twenty_sessions_leave_only_the_daemon(daemon: RunningDaemon, tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    relays: list[StdioSession] = []
    try:
        for n in range(SESSIONS):
            hook("SessionStart", project, source="startup")
            relays.append(mcp_session(daemon.paths.vault, project))
            hook("UserPromptSubmit", project, prompt=f"how do we deploy, take {n}?")
            hook("Stop", project, stop_hook_active=False, transcript_path=str(tmp_path / "none.jsonl"))
        exclude = {os.getpid(), daemon.proc.pid}
        deadline = time.monotonic() + GRACE
        while (survivors := memem_processes(daemon.paths.home, exclude)) and time.monotonic() < deadline:
            for relay in relays:
                relay.proc.poll()  # reap the ones that exited, so they stop showing as zombies
            time.sleep(0.1)
        assert not survivors, f"{len(survivors)} memem processes outlived their session:\n" + "\n".join(
            f"  {pid}: {cmd}" for pid, cmd in sorted(survivors.items())
        )
        assert all(relay.proc.wait(timeout=1) == 0 for relay in relays)
    finally:
        for relay in relays:
            relay.kill()  # after a failure, not one more leak
