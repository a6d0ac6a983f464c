"""A blind audit's two Stop findings.

1. With mining off, a Stop sent the turn's prompt and reply to a model (the usefulness ledger's judge),
   through the API key or `claude -p`. Now `judging.session_text_may_leave` decides for every model
   caller on the Stop path: with mining off the stand-ins (a loopback Messages API, a `claude` on PATH
   that records being run) get nothing at all and the words judge the turn, locally; opted in, the
   same Stop reaches the model (the control that shows the stand-ins are listening).
2. Every Stop read the whole transcript to judge its last turn (a 212 MB one took the daemon from 430 MB
   to 1.25 GB). Now it is read from the end backwards, as far as the prompts awaiting a verdict and no
   further than the last Stop read: memory stays bounded (measured with tracemalloc) and the verdicts are
   the ones a whole read gives.
"""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.daemon.context import DaemonHookBackend
from memem.hooks import events
from memem.index.ledger import prompt_hash
from memem.index.store import IndexStore
from memem.mining import optin, usefulness
from memem.mining.judging import MINING_OFF, session_judging_model
from memem.mining.transcript import read_records
from memem.mining.usefulness import USE_SYSTEM, judge, last_replies, lines_backwards, replies, score_turns
from memem.testing import write_note
from tests.e2e.standin import StandIn
from tests.paths import TRANSCRIPTS

COVERAGE = TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
FIRST_PROMPT, FIRST_REPLY = replies(read_records(COVERAGE)[0])[0]
MATH = "Math helpers live in `src/math_utils.py`; tests in `tests/test_math_utils.py`."


@pytest.fixture
def shown(store: IndexStore, fresh_vault: Path) -> IndexStore:
    """Two memories shown before the first prompt of a real session, `S`."""
    write_note(fresh_vault, "Math helpers", MATH, id="math")
    write_note(fresh_vault, "React hooks", "The frontend uses React hooks, never class components.", id="react")
    store.reconcile()
    store.ledger.shown(["math", "react"], None, "S", FIRST_PROMPT)
    return store


def stop(store: IndexStore, monkeypatch: pytest.MonkeyPatch, session: str = "S") -> list[list[str]]:
    """Claude Code's Stop for `session` (in COVERAGE), answered as the daemon answers it; waits for the
    ledger's judging. Returns the miners it would have started (recorded, not started)."""
    started: list[list[str]] = []
    monkeypatch.setattr(events, "detached", lambda args, paths: started.append(args))
    data = {"session_id": session, "transcript_path": str(COVERAGE), "cwd": str(store.paths.vault)}
    assert events.respond("Stop", data, DaemonHookBackend(store)) is None
    for thread in threading.enumerate():
        if thread.name == "memem-ledger":
            thread.join(60)
    return started


def verdicts(store: IndexStore) -> dict[str, tuple[str, str]]:
    rows = store.ledger.conn.execute("SELECT note_id, verdict, evidence FROM shown WHERE session='S'")
    return {r[0]: (r[1], r[2]) for r in rows}


def words_only(store: IndexStore) -> None:
    """Every row judged, and by the words: the verdicts `judge` gives on the turn, no model's."""
    expected = {
        "math": judge(f"Math helpers\n{MATH}", FIRST_REPLY).label,
        "react": judge("React hooks\nThe frontend uses React hooks, never class components.", FIRST_REPLY).label,
    }
    got = verdicts(store)
    assert {k: v for k, (v, _) in got.items()} == expected == {"math": "used", "react": "ignored"}
    assert not any(e.startswith(("claude", "claude-code")) for _, e in got.values())


# --- 1. mining off: nothing of a session leaves the machine ------------------------------------------------
@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """A loopback Messages API behind a key: it answers the ledger's question (all used)."""

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        text = str(body["messages"][0]["content"])
        if body.get("system") != USE_SYSTEM or "<turns>" not in text:
            return {"text": "{}"}
        listing = json.loads(text.split("<turns>\n", 1)[1].rsplit("\n</turns>", 1)[0])
        said = [{"case": m["case"], "verdict": "used", "evidence": "it acted on it"} for m in listing["memories"]]
        return {"text": json.dumps({"judgements": said})}

    with StandIn(respond) as standin:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-stand-in")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", standin.url)
        monkeypatch.delenv("MEMEM_MINER", raising=False)
        monkeypatch.delenv("MEMEM_JUDGE", raising=False)
        yield standin


@pytest.fixture
def fake_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `claude` on PATH (and no API key) that records each time it is run, with what it was given."""
    folder = tmp_path / "bin"
    folder.mkdir()
    runs = tmp_path / "claude-runs.log"
    claude = folder / "claude"
    claude.write_text(f'#!/bin/sh\n{{ echo "ARGS: $*"; cat; echo; }} >> "{runs}"\nexit 1\n', encoding="utf-8")
    claude.chmod(0o755)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("MEMEM_CLAUDE", raising=False)
    monkeypatch.delenv("MEMEM_MINER", raising=False)
    monkeypatch.delenv("MEMEM_JUDGE", raising=False)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return runs


def test_mining_off_a_stop_sends_nothing_to_the_api_and_the_words_judge(
    shown: IndexStore, api: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = shown
    assert not optin.enabled(store.paths.home)
    assert stop(store, monkeypatch) == []  # no miner
    assert api.requests == []  # the audit's repro: the stand-in got the prompt and the reply
    words_only(store)
    assert session_judging_model(store.paths.home) == (None, MINING_OFF)

    # The control: opted in, the same kind of Stop does put the turn to the model behind the key.
    optin.set_enabled(store.paths.home, True)
    store.ledger.shown(["react"], None, "S2", FIRST_PROMPT)
    assert stop(store, monkeypatch, "S2") == [["mine", "--session", str(COVERAGE)]]
    (request,) = api.requests
    assert request["system"] == USE_SYSTEM and "math_utils" in json.dumps(request)
    assert store.ledger.conn.execute("SELECT verdict, evidence FROM shown WHERE session='S2'").fetchall() == [
        ("used", "claude: it acted on it")
    ]

    # And switched off again (`memem mine --disable`), it holds at once.
    optin.set_enabled(store.paths.home, False)
    store.ledger.shown(["react"], None, "S3", FIRST_PROMPT)
    assert stop(store, monkeypatch, "S3") == []
    assert len(api.requests) == 1
    assert store.ledger.pending("S3") == []  # judged all the same, by the words


def test_mining_off_a_stop_never_runs_claude(
    shown: IndexStore, fake_claude: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = shown
    assert stop(store, monkeypatch) == []
    assert not fake_claude.exists()  # `claude` was never run: not for a judgement, not even to probe it
    words_only(store)

    # The control: opted in, the Stop asks headless Claude Code (this one fails: the words judge still).
    optin.set_enabled(store.paths.home, True)
    store.ledger.shown(["react"], None, "S2", FIRST_PROMPT)
    stop(store, monkeypatch, "S2")
    assert "math_utils" in fake_claude.read_text(encoding="utf-8")  # the turn went to it
    assert store.ledger.pending("S2") == []


def test_the_daemons_route_for_a_stop_run_as_a_process_obeys_the_same_rule(shown: IndexStore, api: StandIn) -> None:
    """`/v1/turn-ended` (the Stop hook run as a process asks the daemon) judges through the same backend."""
    DaemonHookBackend(shown).turn_ended("S", str(COVERAGE))
    for thread in threading.enumerate():
        if thread.name == "memem-ledger":
            thread.join(60)
    assert api.requests == []
    words_only(shown)


# --- 2. a Stop reads the last turn, not the session -------------------------------------------------------
def tool_output(megabytes: int, per_line: int = 1 << 20) -> Iterator[bytes]:
    """Transcript lines of tool results (what fills a long session): `megabytes` of them."""
    for n in range(megabytes * (1 << 20) // per_line):
        result = {"type": "tool_result", "tool_use_id": f"u{n}", "content": "log line of a build\n" * (per_line // 20)}
        record = {"type": "user", "uuid": f"t{n}", "toolUseResult": {"stdout": "x"},
                  "message": {"role": "user", "content": [result]}}  # fmt: skip
        yield (json.dumps(record) + "\n").encode()


def write_transcript(path: Path, *parts: Iterator[bytes] | bytes) -> Path:
    with path.open("wb") as handle:
        for part in parts:
            if isinstance(part, bytes):
                handle.write(part)
            else:
                for line in part:
                    handle.write(line)
    return path


def peak_of(fn: Any) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


BOUND = 16 << 20
"""What judging a Stop may hold at once (CHUNK + LONGEST_LINE, their copies while split, one turn)."""


def test_a_large_transcript_is_judged_from_its_last_turn_in_bounded_memory(shown: IndexStore, tmp_path: Path) -> None:
    store = shown
    session = COVERAGE.read_bytes()
    # 48 MB of earlier tool output, a 10 MB single line among it, and then the session as recorded.
    big = write_transcript(tmp_path / "long.jsonl", tool_output(32), tool_output(10, 10 << 20), tool_output(6), session)
    assert big.stat().st_size > 48 << 20

    def texts(ids: list[str]) -> dict[str, str]:
        return {i: f"{r.title}\n{store.catalog.body(r.uid)}" for i in ids for r in store.catalog.by_id(i)[:1]}

    judged, peak = peak_of(lambda: score_turns(store.ledger, texts, big, "S"))
    assert judged == 2
    assert peak < BOUND, f"{peak / 2**20:.1f} MB held to judge a {big.stat().st_size / 2**20:.0f} MB transcript"
    words_only(store)
    # The next Stop reads back no further than the session's last prompt: the 48 MB are never read again.
    (last,) = [p for p, _ in replies(read_records(COVERAGE)[0])][-1:]
    _, _, latest = last_replies(big, {prompt_hash(last)})
    assert store.ledger.read_from("S", str(big)) == latest > big.stat().st_size - len(session)
    assert store.ledger.read_from("S", str(COVERAGE)) == 0  # another file of the same session: all of it


def test_a_turn_buried_under_its_own_tool_output_is_judged_in_bounded_memory(shown: IndexStore, tmp_path: Path) -> None:
    """The prompt awaiting its verdict is before tens of MB of the turn's own tool results."""
    store = shown
    lines = COVERAGE.read_bytes().splitlines(keepends=True)
    (first,) = [n for n, line in enumerate(lines) if FIRST_PROMPT[:40] in json.dumps(json.loads(line))]
    # The prompt's record, then 40 MB of tool output, then the rest of the turn and session.
    big = write_transcript(tmp_path / "buried.jsonl", b"".join(lines[: first + 1]), tool_output(40),
                           b"".join(lines[first + 1 :]))  # fmt: skip

    def texts(ids: list[str]) -> dict[str, str]:
        return {i: f"{r.title}\n{store.catalog.body(r.uid)}" for i in ids for r in store.catalog.by_id(i)[:1]}

    judged, peak = peak_of(lambda: score_turns(store.ledger, texts, big, "S"))
    assert (judged, peak < BOUND) == (2, True), peak
    words_only(store)


def test_reading_backwards_finds_what_reading_the_whole_file_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every prompt of every recorded session, with chunks small enough that lines cross them."""
    for chunk in (usefulness.CHUNK, 4096, 333):
        monkeypatch.setattr(usefulness, "CHUNK", chunk)
        for path in sorted(TRANSCRIPTS.glob("*.jsonl")):
            whole: dict[str, tuple[str, usefulness.Reply]] = {}
            for prompt, reply in replies(read_records(path)[0]):
                whole[prompt_hash(prompt)] = (prompt, reply)  # the latest turn of a prompt typed twice
            found, end, _ = last_replies(path, set(whole))
            assert {h: (p, r) for h, (_, p, r) in found.items()} == whole, (path.name, chunk)
            assert end == read_records(path)[1]


def test_lines_longer_than_the_bound_are_passed_over_and_a_line_being_written_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(usefulness, "CHUNK", 64)
    monkeypatch.setattr(usefulness, "LONGEST_LINE", 100)
    lines = [b"a" * 10, b"b" * 500, b"", b"c" * 99, b"d" * 101, b"e"]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n" + b'{"type": "user", "still being wr')
    with path.open("rb") as handle:
        end = usefulness.complete_end(handle)
        assert end == sum(len(line) + 1 for line in lines)
        got = list(lines_backwards(handle, 0, end))
    starts = [sum(len(line) + 1 for line in lines[:n]) for n in range(len(lines))]
    expected = [(s, line if len(line) <= 100 else None) for s, line in zip(starts, lines, strict=True)]
    assert got == list(reversed(expected))
    with path.open("rb") as handle:  # from a remembered line start
        assert list(lines_backwards(handle, starts[3], end)) == list(reversed(expected[3:]))


def test_a_row_whose_memory_is_gone_keeps_its_turn_to_be_read_again(shown: IndexStore) -> None:
    store = shown
    assert score_turns(store.ledger, lambda ids: {}, COVERAGE, "S") == 0  # both memories gone, for now
    found, _, _ = last_replies(COVERAGE, {prompt_hash(FIRST_PROMPT)})
    assert store.ledger.read_from("S", str(COVERAGE)) == found[prompt_hash(FIRST_PROMPT)][0]

    def texts(ids: list[str]) -> dict[str, str]:
        return {i: f"{r.title}\n{store.catalog.body(r.uid)}" for i in ids for r in store.catalog.by_id(i)[:1]}

    assert score_turns(store.ledger, texts, COVERAGE, "S") == 2
    words_only(store)
