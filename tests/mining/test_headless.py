"""Mining through Claude Code's headless mode: the real `claude` executable, against a stand-in API.

What is checked is what the headless backend promises: the child sees only the transcript and the
StructuredOutput tool, fires no hook (memem's or anyone's), starts no MCP server, writes no session
of its own, and its answers and failures reach the miner sorted as the SDK path sorts them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.daemon.idle import consolidator
from memem.memory.service import MemoryService
from memem.mining.backends import LocalBackend
from memem.mining.choose import choose_extractor
from memem.mining.extract_headless import HeadlessExtractor
from memem.mining.failures import AnswerUnusable, ModelUnavailable
from memem.mining.judging import judging_model
from memem.mining.lessons import Lessons
from memem.mining.miner import mine_transcript
from memem.mining.state import MiningState
from memem.mining.transcript import read_records
from memem.mining.usefulness import replies, score_turns
from memem.testing import write_note
from memem.vault.note import Note, parse_note
from tests.e2e.standin import StandIn
from tests.mining.test_model_path import RULES, rule_lessons, write_session
from tests.paths import REPO, TRANSCRIPTS

pytestmark = pytest.mark.slow
COVERAGE = TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
CLAUDE = REPO / "tests" / "e2e" / "node_modules" / ".bin" / "claude"
OAUTH = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-stand-in", "refreshToken": "sk-ant-ort01-stand-in",
                           "expiresAt": 4102444800000, "scopes": ["user:inference", "user:profile"],
                           "subscriptionType": "max"}}  # fmt: skip


def structured(body: dict[str, Any]) -> bool:
    return any(t.get("name") == "StructuredOutput" for t in body.get("tools", []))


def transcript_of(body: dict[str, Any]) -> str:
    text = json.dumps(body["messages"])
    return json.loads(f'"{text.split("<transcript>")[1].split("</transcript>")[0]}"') if "<transcript>" in text else ""


def answer(payload: dict[str, Any]) -> dict[str, Any]:
    return {"tool_use": {"name": "StructuredOutput", "input": payload}}


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A person signed in to Claude Code with a subscription (no API key), with hooks of their own."""
    assert CLAUDE.exists(), "run `make setup` (npm install in tests/e2e) first"
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir(parents=True, exist_ok=True)
    (home / ".claude" / ".credentials.json").write_text(json.dumps(OAUTH))
    fired = tmp_path / "hooks-fired.log"
    hooks = {event: [{"hooks": [{"type": "command", "command": f"echo {event} >> {fired}"}]}]
             for event in ("SessionStart", "UserPromptSubmit", "Stop")}  # fmt: skip
    (home / ".claude" / "settings.json").write_text(json.dumps({"hooks": hooks}))
    (home / ".claude" / "CLAUDE.md").write_text("USER_MEMORY_MARKER: answer like a pirate\n")
    monkeypatch.setenv("MEMEM_CLAUDE", str(CLAUDE))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return fired


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    replies: dict[str, Any] = {"mode": "lessons"}

    def responder(body: dict[str, Any]) -> dict[str, Any]:
        if not structured(body):
            return {"text": "ok"}
        mode = replies["mode"]
        if mode == "prose":
            return {"text": "Here are the lessons: always migrate first."}
        if isinstance(mode, int):
            return {"status": mode}
        return answer({"lessons": rule_lessons(transcript_of(body))})

    with StandIn(responder) as standin:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", standin.url)
        standin.replies = replies  # type: ignore[attr-defined]
        yield standin


def test_without_a_key_mining_goes_through_claude_code_and_touches_nothing_else(
    signed_in: Path, api: StandIn, service: MemoryService, tmp_path: Path, isolated_env: Path
) -> None:
    extractor = choose_extractor()
    assert isinstance(extractor, HeadlessExtractor)
    transcript = tmp_path / "projects" / "-tmp-shop" / "s1.jsonl"
    write_session(transcript, RULES[:3])
    report = mine_transcript(transcript, LocalBackend(service), extractor, MiningState(isolated_env))
    assert report.error is None and len(report.result["saved"]) == 3
    for path in service.paths.memories.rglob("*.md"):
        note = parse_note("x.md", path.read_bytes())
        assert isinstance(note, Note) and note.metadata["miner"] == "claude-code"
    (request,) = [r for r in api.requests if structured(r)]
    callable_tools = [t["name"] for t in request["tools"] if not t.get("defer_loading")]  # a reserved placeholder
    assert callable_tools == ["StructuredOutput"]  # no Bash, no Read, no MCP tool
    assert "USER_MEMORY_MARKER" not in json.dumps(request)  # no CLAUDE.md
    assert "RULE-0" in json.dumps(request["messages"])
    assert not signed_in.exists()  # not one hook of the person's fired
    assert not list((Path(os.environ["HOME"]) / ".claude" / "projects").rglob("*.jsonl"))  # no session kept
    assert extractor.spent.calls == 1 and extractor.spent.usd > 0  # Claude Code's own cost figure, logged


def test_a_prose_answer_is_unusable_not_empty(signed_in: Path, api: StandIn) -> None:
    api.replies["mode"] = "prose"  # type: ignore[attr-defined]
    with pytest.raises(AnswerUnusable, match="prose"):
        choose_extractor().extract("### Person:\nRULE-1: Always run alembic before the api.", "shop")


def test_a_server_error_is_an_unavailable_model(signed_in: Path, api: StandIn) -> None:
    api.replies["mode"] = 500  # type: ignore[attr-defined]
    with pytest.raises(ModelUnavailable, match="500"):
        choose_extractor().extract("### Person:\nRULE-1: Always run alembic before the api.", "shop")
    assert 1 < len([r for r in api.requests if structured(r)]) <= 3  # retried, briefly


def test_not_signed_in_says_how_to_sign_in(api: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMEM_CLAUDE", str(CLAUDE))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ModelUnavailable, match="not signed in"):
        choose_extractor().extract("### Person:\nRULE-1: Always run alembic before the api.", "shop")


def fenced(body: dict[str, Any], tag: str) -> Any:
    """The JSON a question carries between <tag> and </tag>, or None."""
    text = json.dumps(body["messages"])
    if f"<{tag}>" not in text:
        return None
    return json.loads(json.loads(f'"{text.split(f"<{tag}>")[1].split(f"</{tag}>")[0]}"'))


def test_consolidation_and_the_ledger_ask_claude_code_too(
    signed_in: Path, api: StandIn, service: MemoryService, fresh_vault: Path
) -> None:
    """Without a key, the judgements beyond mining go through the same headless backend."""

    def judging(body: dict[str, Any]) -> dict[str, Any]:
        pairs, turns = fenced(body, "pairs"), fenced(body, "turns")
        if pairs is not None:
            return answer({"judgements": [{"pair": p["pair"], "relation": "contradicts", "keep": "second",
                                           "evidence": "30 s against 5 s"} for p in pairs]})  # fmt: skip
        if turns is not None:
            return answer({"judgements": [{"case": m["case"], "verdict": "used", "evidence": "it followed it"}
                                          for m in turns["memories"]]})  # fmt: skip
        return {"text": "ok"}

    api.responder = judging  # type: ignore[attr-defined]
    write_note(fresh_vault, "Timeout 30", "The HTTP client's request timeout is 30 seconds.", id="t-old",
               project="shop", created="2026-10-01")  # fmt: skip
    write_note(fresh_vault, "Timeout 5", "The HTTP client's request timeout is 5 seconds since the gateway change.",
               id="t-new", project="shop", created="2026-11-25")  # fmt: skip
    service.store.reconcile()
    report = consolidator(service).run()
    assert report.judge == "claude-code" and (report.asked, report.answered) == (1, 1)
    (proposal,) = report.proposed
    assert (proposal.reason, proposal.ids) == ("judged-contradicts", ("t-old", "t-new"))

    prompt, _ = replies(read_records(COVERAGE)[0])[0]
    service.store.ledger.shown(["t-old"], "shop", "s-1", prompt)
    model, name = judging_model()
    assert name == "claude-code"

    def texts(ids: list[str]) -> dict[str, str]:
        return {i: "The HTTP client's request timeout is 30 seconds." for i in ids}

    assert score_turns(service.store.ledger, texts, COVERAGE, "s-1", model) == 1
    (record,) = service.store.ledger.conn.execute("SELECT verdict, evidence FROM shown WHERE session='s-1'")
    assert record == ("used", "claude-code: it followed it")
    questions = [r for r in api.requests if structured(r)]
    assert len(questions) == 2 and all("Bash" not in json.dumps(r["tools"]) for r in questions)
    assert not signed_in.exists()  # no hook of the person's fired


def test_a_claude_that_does_not_answer_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    """Report C: on a timeout only `claude` itself was killed; what it had started ran on."""
    started = tmp_path / "child.pid"
    claude = tmp_path / "claude"
    claude.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > '{started}'\nsleep 60\n")
    claude.chmod(0o755)
    with pytest.raises(ModelUnavailable, match="did not answer"):
        HeadlessExtractor(str(claude), timeout=1.0)._run("system", "prompt", Lessons)
    child = int(started.read_text())
    for _ in range(50):
        if not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the child {child} of the timed-out claude is still running")


def test_a_call_stopped_at_its_budget_is_said_to_be_so_and_its_part_set_aside_at_once(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Claude Code ends a call that reached `--max-budget-usd` with the result subtype `error_max_budget_usd`
    (is_error, no `result` text, its words in `errors`): not "the model could not be reached"."""
    from memem.mining.extract_headless import BUDGET_USD
    from memem.mining.failures import BudgetReached
    from tests.cli.test_cli import run

    result = {"type": "result", "subtype": "error_max_budget_usd", "is_error": True, "num_turns": 2,
              "errors": [f"Reached maximum budget (${BUDGET_USD})"], "total_cost_usd": 0.52,
              "usage": {"input_tokens": 41000, "output_tokens": 900}}  # fmt: skip
    on_path = tmp_path / "bin"
    on_path.mkdir()
    claude = on_path / "claude"  # a stand-in: reads the transcript, prints what Claude Code prints then
    claude.write_text(f"#!/bin/sh\ncat > /dev/null\nprintf '%s\\n' '{json.dumps(result)}'\n")
    claude.chmod(0o755)
    monkeypatch.setenv("PATH", f"{on_path}{os.pathsep}{os.environ['PATH']}")
    for name in ("MEMEM_CLAUDE", "MEMEM_MINER", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    extractor = choose_extractor()
    assert isinstance(extractor, HeadlessExtractor) and extractor.executable == str(claude)
    with pytest.raises(BudgetReached, match=r"budget of \$0\.50 for one call"):
        extractor.extract("### Person:\nRULE-1: Always run alembic before the api.", "shop")

    transcript = tmp_path / "projects" / "-tmp-shop" / "s1.jsonl"
    write_session(transcript, RULES[:2])
    state = MiningState(isolated_env)
    said = "Claude Code stopped the call at its budget of $0.50 for one call"
    report = mine_transcript(transcript, None, extractor, state)  # type: ignore[arg-type]  # never reached
    assert report.cost_usd == 0.52  # its cost is counted
    # Set aside at once: asked again, the same call would spend as much again for the same end.
    (part,) = state.set_aside_parts(transcript)
    assert part.reason.startswith(said) and report.set_aside and report.error is None
    assert state.get(transcript).offset > 0  # and the session goes on past it
    code, out, _ = run(capsys, "mine", "--status")
    assert code == 0 and f": {said}" in out and "mine them again with `memem mine --retry`" in out
    state.close()
