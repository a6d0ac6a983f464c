"""The hook entry points as Claude Code runs them: event JSON on stdin, JSON (or nothing) on stdout."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.config import Paths
from memem.testing import RunningDaemon, ready_daemon, stop_vault_daemon, wait_for_vault_daemon, write_note
from tests.paths import TRANSCRIPTS

EVENT_BASE = {"session_id": "2d81e6cc-85a1-4fa4-9c1c-cba6067feef3", "permission_mode": "default", "prompt_id": "p1"}


def hook(
    event: str, payload: dict[str, Any], env: dict[str, str] | None = None, raw: str | None = None
) -> subprocess.CompletedProcess[str]:
    data = raw if raw is not None else json.dumps({**EVENT_BASE, "hook_event_name": event, **payload})
    return subprocess.run(
        [sys.executable, "-P", "-m", "memem", "hook", event],
        input=data,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def hooks_log() -> str:
    path = Path(os.environ["MEMEM_DIR"]) / "logs" / "hooks.log"
    return path.read_text() if path.exists() else ""


@pytest.fixture
def vault(fresh_vault: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MEMEM_VAULT", str(fresh_vault))
    write_note(
        fresh_vault,
        "Use uv for Python installs",
        "shop installs Python dependencies with uv sync from uv.lock.",
        id="uv",
        project="shop",
        title="Use uv for Python installs",
    )
    write_note(
        fresh_vault,
        "Answer tersely",
        "The person wants short answers, command first.",
        id="terse",
        project="shop",
        layer=0,
    )
    (tmp_path / "shop").mkdir()
    return fresh_vault


@pytest.fixture
def daemon(vault: Path) -> Iterator[RunningDaemon]:
    with ready_daemon(vault) as running:
        yield running


@pytest.fixture
def cwd(tmp_path: Path) -> str:
    return str(tmp_path / "shop")


@pytest.mark.slow
def test_user_prompt_submit_injects_the_exact_shape(daemon: RunningDaemon, cwd: str) -> None:
    done = hook("UserPromptSubmit", {"prompt": "How do we install Python dependencies in shop?", "cwd": cwd})
    assert done.returncode == 0 and done.stderr == ""
    out = json.loads(done.stdout)
    assert set(out) == {"hookSpecificOutput"}
    assert set(out["hookSpecificOutput"]) == {"hookEventName", "additionalContext"}
    assert out["hookSpecificOutput"]["hookEventName"] == "UserPromptSubmit"
    context = out["hookSpecificOutput"]["additionalContext"]
    assert context.startswith("<memem-memory>") and "`uv`" in context and len(context) < 10_000
    assert "terse" not in context  # pinned notes come at SessionStart, not with every prompt


@pytest.mark.slow
def test_a_lone_surrogate_in_the_prompt_keeps_its_full_recall(daemon: RunningDaemon, cwd: str) -> None:
    """A `\\ud800` escape in the event (JavaScript writes one so) made the daemon refuse the body: the
    hook fell back to keyword matches, saying full recall was still starting."""
    event = {**EVENT_BASE, "hook_event_name": "UserPromptSubmit", "cwd": cwd,
             "prompt": "How do we install Python dependencies in shop?\ud800"}  # fmt: skip
    done = hook("UserPromptSubmit", {}, raw=json.dumps(event))
    assert done.returncode == 0 and done.stderr == ""
    context = json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "`uv`" in context and "keyword match" not in context


@pytest.mark.slow
@pytest.mark.parametrize(
    "prompt", ["yes", "continue", "/clear", "write a haiku about autumn leaves", "what is the capital of Australia?"]
)
def test_trivial_and_unrelated_prompts_inject_nothing(daemon: RunningDaemon, cwd: str, prompt: str) -> None:
    done = hook("UserPromptSubmit", {"prompt": prompt, "cwd": cwd})
    assert done.returncode == 0 and done.stdout == ""


@pytest.mark.slow
def test_session_start_primes_the_pinned_notes(daemon: RunningDaemon, cwd: str, tmp_path: Path) -> None:
    done = hook("SessionStart", {"source": "startup", "cwd": cwd})
    out = json.loads(done.stdout)
    assert out["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert (
        "### Working" in out["hookSpecificOutput"]["additionalContext"]
        and "`terse`" in out["hookSpecificOutput"]["additionalContext"]
    )
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert hook("SessionStart", {"source": "startup", "cwd": str(other)}).stdout == ""  # no pinned notes there


@pytest.mark.slow
def test_stop_prints_nothing_and_mines_in_the_background(daemon: RunningDaemon, cwd: str, tmp_path: Path) -> None:
    transcript = tmp_path / "session.jsonl"
    lines = (TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl").read_text().splitlines()
    extra = {
        "type": "user",
        "uuid": "u-extra",
        "sessionId": "s1",
        "cwd": cwd,
        "message": {
            "role": "user",
            "content": "We decided to keep every helper in math_utils.py instead of a package.",
        },
    }
    transcript.write_text("\n".join([*lines, json.dumps(extra)]) + "\n")
    # Mining is opt-in: before opting in, Stop does nothing at all.
    assert hook("Stop", {"transcript_path": str(transcript), "cwd": cwd, "stop_hook_active": False}).stdout == ""
    subprocess.run([sys.executable, "-P", "-m", "memem", "mine", "--enable"], check=True, capture_output=True)
    started = time.monotonic()
    done = hook(
        "Stop",
        {"transcript_path": str(transcript), "cwd": cwd, "stop_hook_active": False, "last_assistant_message": "Done."},
    )
    assert done.returncode == 0 and done.stdout == "" and time.monotonic() - started < 5
    from memem.mining.state import MiningState

    state = MiningState(Path(os.environ["MEMEM_DIR"]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and state.get(transcript).offset < transcript.stat().st_size:
        time.sleep(0.3)
    assert state.get(transcript).offset == transcript.stat().st_size
    mined = [p for p in daemon.paths.memories.rglob("*.md") if "source_type: mined" in p.read_text()]
    assert any("We decided to keep every helper" in p.read_text() for p in mined)


@pytest.mark.slow
def test_daemon_down_ten_hooks_start_one_daemon(vault: Path, cwd: str) -> None:
    subprocess.run([sys.executable, "-P", "-m", "memem", "index"], check=True, capture_output=True)
    prompt = {"prompt": "How do we install Python dependencies in shop with uv sync?", "cwd": cwd}
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        runs = list(pool.map(lambda _: hook("UserPromptSubmit", prompt), range(10)))
    assert all(r.returncode == 0 for r in runs)
    # Degraded this time: the catalog's keyword match, clearly labelled.
    answered = [json.loads(r.stdout) for r in runs if r.stdout]
    assert answered and all("keyword match" in a["hookSpecificOutput"]["additionalContext"] for a in answered)
    paths = Paths.resolve(vault)
    assert wait_for_vault_daemon(paths) is not None
    time.sleep(1)
    assert (paths.log_dir / "daemon.log").read_text().count("daemon starting") == 1
    stop_vault_daemon(paths)


@pytest.mark.parametrize(
    ("setup", "payload"),
    [
        ("missing vault", {"prompt": "How do we install Python dependencies?"}),
        ("corrupt catalog", {"prompt": "How do we install Python dependencies?"}),
        ("not json", None),
        ("not an object", None),
    ],
)
def test_a_broken_world_never_breaks_claude_code(
    vault: Path, cwd: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setup: str, payload: dict[str, Any] | None
) -> None:
    env: dict[str, str] = {}
    raw = None
    if setup == "missing vault":
        env["MEMEM_VAULT"] = str(tmp_path / "no-such-vault")
    elif setup == "corrupt catalog":
        paths = Paths.resolve(vault)
        paths.state.mkdir(parents=True, exist_ok=True)
        paths.catalog_db.write_bytes(b"this is not a sqlite database" * 100)
    elif setup == "not json":
        raw = "{not json"
    else:
        raw = "[1, 2, 3]"
    done = hook("UserPromptSubmit", {**(payload or {}), "cwd": cwd}, env=env, raw=raw)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert hooks_log().strip()  # a log line says what happened
    stop_vault_daemon(Paths.resolve(vault))  # the hook may have started one for next time


def test_memem_own_processes_do_not_trigger_hooks(vault: Path, cwd: str) -> None:
    done = hook(
        "UserPromptSubmit",
        {"prompt": "How do we install Python dependencies in shop?", "cwd": cwd},
        env={"MEMEM_HOOKS_DISABLED": "1"},
    )
    assert done.returncode == 0 and done.stdout == ""


def test_first_run_creates_a_vault_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MEMEM_VAULT", raising=False)
    monkeypatch.setenv("MEMEM_DEFAULT_VAULT", str(tmp_path / "first-vault"))
    done = hook("SessionStart", {"source": "startup", "cwd": str(tmp_path)})
    out = json.loads(done.stdout)
    assert "memem created its vault" in out["systemMessage"]
    assert (tmp_path / "first-vault" / "memem" / "memories").is_dir()
    paths = Paths.resolve(tmp_path / "first-vault")
    wait_for_vault_daemon(paths)
    stop_vault_daemon(paths)
