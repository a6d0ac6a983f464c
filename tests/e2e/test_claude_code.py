"""memem inside the real Claude Code (npm @anthropic-ai/claude-code), offline against a stand-in API.

One turn end to end: the plugin loads from this repo; the UserPromptSubmit hook puts memem's slice
into the request the model receives; the model (the stand-in) saves a memory through memem's MCP
server; Claude Code writes its transcript; the Stop hook mines it. Plus the two-command install
path and `claude plugin validate`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.config import Paths
from memem.testing import stop_vault_daemon
from memem.vault.note import Note, parse_note
from tests.e2e.standin import StandIn
from tests.paths import REPO

pytestmark = pytest.mark.slow
CLAUDE = REPO / "tests" / "e2e" / "node_modules" / ".bin" / "claude"
SAVE = "mcp__plugin_memem_memem__memory_save"
MINED = {
    "title": "Staging is reset every Sunday",
    "content": "The staging database is wiped every Sunday at 02:00 UTC, so nothing kept there survives the weekend.",
    "kind": "fact",
    "scope": "project",
    "tags": ["staging"],
    "importance": 3,
    "evidence": "staging is reset every Sunday",
}


def _tool_results(messages: list[dict[str, Any]]) -> int:
    return sum(
        1
        for m in messages
        if isinstance(m.get("content"), list)
        for b in m["content"]
        if isinstance(b, dict) and b.get("type") == "tool_result"
    )


def wait_for_mined(vault: Path, session: str, timeout: float) -> list[Note]:
    """The notes mined from `session`, once the background miner has written any (or [] after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        mined = []
        for path in (vault / "memem" / "memories").rglob("*.md"):
            parsed = parse_note("x.md", path.read_bytes())
            if isinstance(parsed, Note) and parsed.source_type == "mined" and parsed.source_session == session:
                mined.append(parsed)
        if mined or time.monotonic() >= deadline:
            return mined
        time.sleep(0.5)


def responder(body: dict[str, Any]) -> dict[str, Any]:
    """Claude Code's agent: load memory_save with ToolSearch, call it, then answer. The miner: one lesson."""
    if not body.get("stream"):
        schema = json.dumps(body.get("output_config", {}))
        question = str(body["messages"][0]["content"])
        if question.startswith("<turns>"):  # the usefulness ledger, at Stop: was the shown memory of use?
            asked = json.loads(question.removeprefix("<turns>\n").removesuffix("\n</turns>"))
            return {"text": json.dumps({"judgements": [
                {"case": m["case"], "verdict": "ignored", "evidence": "The turn saved a note about deploy previews."}
                for m in asked["memories"]]})}  # fmt: skip
        if "judgements" in schema:
            return {"text": json.dumps({"judgements": []})}
        return {"text": json.dumps({"lessons": [MINED]})}
    tools = [t.get("name") for t in body.get("tools", [])]
    if "ToolSearch" not in tools:
        return {"text": "ok"}  # Claude Code's side requests (titles, summaries)
    step = _tool_results(body.get("messages", []))
    if step == 0:
        return {"tool_use": {"name": "ToolSearch", "input": {"query": f"select:{SAVE}", "max_results": 5}}}
    if step == 1:
        content = "Deploy previews are built for every pull request and removed when it is merged."
        return {"tool_use": {"name": SAVE, "input": {"content": content, "project": "example-app"}}}
    return {"text": "Noted: I saved that to memory."}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    assert CLAUDE.exists(), "run `make setup` (npm install in tests/e2e) first"
    home, state, vault, project = tmp_path / "home", tmp_path / "state", tmp_path / "vault", tmp_path / "example-app"
    for folder in (home, project):
        folder.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "MEMEM_DIR": str(state),
        "MEMEM_VAULT": str(vault),
        "MEMEM_PYTHON": sys.executable,
        "ANTHROPIC_API_KEY": "sk-test",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    env.pop("CLAUDE_CONFIG_DIR", None)
    # The stand-in API answers Claude Code, the miner and the daemon (which asks it about the ledger).
    with StandIn(responder) as api:
        env["ANTHROPIC_BASE_URL"] = api.url
        memem = [sys.executable, "-P", "-m", "memem"]
        subprocess.run([*memem, "init", str(vault)], env=env, check=True, capture_output=True)
        subprocess.run([*memem, "mine", "--enable"], env=env, check=True, capture_output=True)
        # The usual case: the daemon is up (the SessionStart hook starts it; here it is started first and
        # waited for, so the first prompt is answered by full recall rather than the catalog fallback).
        daemon = subprocess.Popen(
            [*memem, "serve", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = subprocess.run([*memem, "status", "--json"], env=env, capture_output=True, text=True)
            if status.returncode == 0 and json.loads(status.stdout)["daemon"].get("phase") == "watching":
                break
            time.sleep(0.5)
        yield {"env": env, "home": home, "state": state, "vault": vault, "project": project, "api": api}
        daemon.terminate()
        daemon.wait(30)
        stop_vault_daemon(Paths(vault.resolve(), state))


def test_plugin_validates() -> None:
    done = subprocess.run([str(CLAUDE), "plugin", "validate", str(REPO)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation passed" in done.stdout


def test_one_turn_recall_save_and_mine(world: dict[str, Any]) -> None:
    env, vault = world["env"], world["vault"]
    prompt = "How should I install Python dependencies in example-app?"
    api = world["api"]
    done = subprocess.run(
        [str(CLAUDE), "--plugin-dir", str(REPO), "--allowedTools", SAVE, "-p", prompt],
        cwd=world["project"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "saved that to memory" in done.stdout

    # 1. The hook's slice reached the model, with the vault's memory about Python installs.
    agent_requests = [json.dumps(r) for r in api.requests if r.get("stream") and r.get("tools")]
    hook_log = (world["state"] / "logs" / "hooks.log").read_text(errors="replace")
    assert any("<memem-memory>" in r and "example-app-use-uv" in r for r in agent_requests), hook_log

    # 2. The model's memory_save ran through memem's MCP server: the note is in the vault and in search.
    saved = list((vault / "memem" / "memories" / "example-app").glob("Deploy previews*.md"))
    assert len(saved) == 1
    note = parse_note("x.md", saved[0].read_bytes())
    assert isinstance(note, Note) and note.project == "example-app" and note.source_type == "user"
    found = subprocess.run(
        [sys.executable, "-P", "-m", "memem", "search", "deploy previews pull request", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(found.stdout)[0]["id"] == note.id

    # 3. After the turn, the Stop hook mined the transcript Claude Code wrote (while the API still answers).
    transcripts = list((world["home"] / ".claude" / "projects").glob("*/*.jsonl"))
    assert len(transcripts) == 1
    session = transcripts[0].stem
    mined = wait_for_mined(vault, session, 120)
    assert mined, "\n".join(p.read_text(errors="replace") for p in world["state"].rglob("*.log"))
    assert mined[0].title == MINED["title"] and mined[0].project == "example-app" and mined[0].reviewed is None
    miner_requests = [r for r in api.requests if not r.get("stream") and "<transcript>" in json.dumps(r)]
    assert miner_requests and "<transcript>" in json.dumps(miner_requests[0])
    assert "memem-memory" not in json.dumps(miner_requests[0])  # the injected slice was stripped before mining

    # 4. The usefulness ledger: the memory shown before the prompt, judged at Stop by what the agent did
    # (it saved a note about deploy previews and answered "Noted": nothing of uv in its reply or calls),
    # by the miner's model (the daemon asked it, with the shown memory and the turn), named as the judge.
    ledger = Paths(vault.resolve(), world["state"]).state / "ledger.sqlite3"
    verdicts: list[tuple[str, str | None, str | None]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sqlite3.connect(ledger) as conn:
            verdicts = conn.execute(
                "SELECT note_id, verdict, evidence FROM shown WHERE session=?", (session,)
            ).fetchall()
        if verdicts and all(v is not None for _, v, _ in verdicts):
            break
        time.sleep(0.5)
    assert ("example-app-use-uv", "ignored", "claude: The turn saved a note about deploy previews.") in verdicts
    (question,) = [json.dumps(r) for r in api.requests if str(r["messages"][0]["content"]).startswith("<turns>")]
    assert "uv" in question and "saved that to memory" in question and "memory_save" in question


def test_two_command_install_from_a_clone(tmp_path: Path) -> None:
    """`claude plugin marketplace add` + `claude plugin install`, from exactly what git ships (as a user gets it)."""
    clone = tmp_path / "memem-repo"
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        source, target = REPO / rel, clone / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    (tmp_path / "home").mkdir()
    added = subprocess.run(
        [str(CLAUDE), "plugin", "marketplace", "add", str(clone)], env=env, capture_output=True, text=True, timeout=120
    )
    assert added.returncode == 0 and "Successfully added marketplace: memem" in added.stdout, (
        added.stdout + added.stderr
    )
    installed = subprocess.run(
        [str(CLAUDE), "plugin", "install", "memem@memem"], env=env, capture_output=True, text=True, timeout=120
    )
    assert installed.returncode == 0 and "Successfully installed plugin: memem@memem" in installed.stdout
    listed = subprocess.run([str(CLAUDE), "plugin", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert "memem" in listed.stdout and "enabled" in listed.stdout


OAUTH = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-stand-in", "refreshToken": "sk-ant-ort01-stand-in",
                           "expiresAt": 4102444800000, "scopes": ["user:inference", "user:profile"],
                           "subscriptionType": "max"}}  # fmt: skip
STAGING = "By the way: remember that staging is reset every Sunday at 02:00 UTC, so nothing kept there survives."


def headless_responder(body: dict[str, Any]) -> dict[str, Any]:
    """The session's agent answers briefly; the headless miner (StructuredOutput) finds the staging lesson."""
    if any(t.get("name") == "StructuredOutput" for t in body.get("tools", [])):
        sent = json.dumps(body.get("messages", []))
        lessons = [MINED] if "staging is reset every Sunday" in sent else []
        return {"tool_use": {"name": "StructuredOutput", "input": {"lessons": lessons}}}
    return {"text": "Understood." if "staging" in json.dumps(body.get("messages", [])) else "Use uv sync."}


def test_a_signed_in_session_without_a_key_is_mined_through_claude_code(tmp_path: Path) -> None:
    """A Claude subscription, no API key: two turns of one session, and the lesson of the second one
    ends up in the vault, mined by headless `claude -p` with the person's own sign-in."""
    assert CLAUDE.exists(), "run `make setup` (npm install in tests/e2e) first"
    home, state, vault, project = tmp_path / "home", tmp_path / "state", tmp_path / "vault", tmp_path / "example-app"
    (home / ".claude").mkdir(parents=True)
    project.mkdir()
    (home / ".claude" / ".credentials.json").write_text(json.dumps(OAUTH))
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "CLAUDE_CONFIG_DIR")}
    env.update(HOME=str(home), MEMEM_DIR=str(state), MEMEM_VAULT=str(vault), MEMEM_PYTHON=sys.executable,
               MEMEM_CLAUDE=str(CLAUDE), DISABLE_TELEMETRY="1",
               CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")  # fmt: skip
    memem = [sys.executable, "-P", "-m", "memem"]
    subprocess.run([*memem, "init", str(vault)], env=env, check=True, capture_output=True)
    subprocess.run([*memem, "mine", "--enable"], env=env, check=True, capture_output=True)
    session = "3f0c9a4e-5b7d-4e21-9c38-2a6f1d0b7e55"
    try:
        with StandIn(headless_responder) as api:
            env["ANTHROPIC_BASE_URL"] = api.url
            for flags, prompt in ((["--session-id", session], "How do I install dependencies?"),
                                  (["--resume", session], STAGING)):  # fmt: skip
                done = subprocess.run([str(CLAUDE), "--plugin-dir", str(REPO), *flags, "-p", prompt], cwd=project,
                                      env=env, capture_output=True, text=True, timeout=240)  # fmt: skip
                assert done.returncode == 0, done.stderr
            mined = wait_for_mined(vault, session, 180)
            logs = "\n".join(p.read_text(errors="replace") for p in state.rglob("*.log"))
            assert mined, logs
            (note,) = mined
            assert note.title == MINED["title"] and note.source_session == session
            assert note.metadata["miner"] == "claude-code" and note.project == "example-app"
            miner_requests = [r for r in api.requests if any(t.get("name") == "StructuredOutput"
                                                             for t in r.get("tools", []))]  # fmt: skip
            assert miner_requests and all(r["model"] == "claude-haiku-5-5" for r in miner_requests)
            assert "Bearer sk-ant-oat01-stand-in" not in logs  # the sign-in never reaches a log
    finally:
        stop_vault_daemon(Paths(vault.resolve(), state))
    transcripts = list((home / ".claude" / "projects").glob("*/*.jsonl"))
    assert [t.stem for t in transcripts] == [session]  # the miner's own runs kept no session


def test_a_first_session_on_a_fresh_home_has_the_tools_and_says_it_is_setting_up(tmp_path: Path) -> None:
    """No runtime, no vault, no index: the session's first request already lists memem's tools (the
    relay answers from its recording), and the person is told the vault was made and setup is running."""
    assert CLAUDE.exists(), "run `make setup` (npm install in tests/e2e) first"
    home, state, project = tmp_path / "home", tmp_path / "state", tmp_path / "example-app"
    for folder in (home, project):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMEM_", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), MEMEM_DIR=str(state), MEMEM_DEFAULT_VAULT=str(tmp_path / "vault"),
               ANTHROPIC_API_KEY="sk-test", DISABLE_TELEMETRY="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
               # this test is about the first minutes, not the build: let it fail fast, offline
               PATH="/usr/bin:/bin", PIP_NO_INDEX="1", PIP_FIND_LINKS="", PIP_CONFIG_FILE=os.devnull)  # fmt: skip
    with StandIn(lambda body: {"text": "Use uv sync."}) as api:
        env["ANTHROPIC_BASE_URL"] = api.url
        done = subprocess.run(
            [str(CLAUDE), "--plugin-dir", str(REPO), "-p", "--output-format", "stream-json", "--verbose",
             "How do I install dependencies?"],
            cwd=project, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = next(r for r in api.requests if r.get("stream") and r.get("tools"))
    assert "mcp__plugin_memem_memem__memory_search" in json.dumps(first)  # the tools, in the first request
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    started = next(m for m in messages if m.get("hook_event") == "SessionStart" and m.get("subtype") == "hook_response")
    told = json.loads(started["output"])["systemMessage"]
    assert "memem created its vault" in told and "setting up its Python environment" in told
    assert (tmp_path / "vault" / "memem" / "memories").is_dir()
