"""The usefulness ledger: each memory shown before a prompt is judged used, ignored or contradicted by
what the assistant then said and did, on hand-labelled turns of real Claude Code transcripts; the
verdicts become a memory's record, a gentle prior, a flag, and a holdout measure."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from memem.daemon.context import recall_for_prompt
from memem.index.health import health
from memem.index.ledger import FLAG_AFTER, PRIOR, Record
from memem.index.store import IndexStore
from memem.mining.transcript import read_records
from memem.mining.usefulness import (
    CONTRADICTED,
    IGNORED,
    REPLY_CHARS,
    USE_SYSTEM,
    USED,
    Reply,
    judge,
    replies,
    score_turns,
)
from memem.recall.query import Query
from memem.recall.search import search
from memem.testing import write_note
from tests.mining.api_mock import FakeAnthropic, server_error
from tests.paths import FIXTURES, TRANSCRIPTS

LABELS = json.loads((FIXTURES / "usefulness" / "labels.json").read_text(encoding="utf-8"))
COVERAGE = TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"


def judged(part: str) -> list[tuple[str, str, str]]:
    """(label, verdict, memory) for every hand-labelled memory of a part of the label file."""
    out = []
    for turn in LABELS[part]:
        records, _ = read_records(TRANSCRIPTS / turn["transcript"])
        _, reply = replies(records)[turn["prompt"]]
        out += [(m["label"], judge(m["text"], reply).label, m["text"]) for m in turn["memories"]]
    return out


def test_hand_labelled_turns_of_real_sessions() -> None:
    tuned, held = judged("turns"), judged("heldout")
    accuracy = sum(label == verdict for label, verdict, _ in tuned) / len(tuned)
    held_accuracy = sum(label == verdict for label, verdict, _ in held) / len(held)
    print(
        f"usefulness judge: {accuracy:.2f} on the {len(tuned)} turns its rules were set on, "
        f"{held_accuracy:.2f} on {len(held)} labelled after"
    )
    assert accuracy >= 0.9, [j for j in tuned if j[0] != j[1]]
    assert held_accuracy >= 0.7, [j for j in held if j[0] != j[1]]
    assert {label for label, _, _ in tuned} == {USED, IGNORED, CONTRADICTED}
    # Conservative where it matters: no memory is called used or contradicted that was not.
    for label, verdict, memory in tuned + held:
        assert verdict in (IGNORED, label), (memory, label, verdict)


def test_only_the_assistants_words_and_actions_count_never_tool_results() -> None:
    records, _ = read_records(COVERAGE)
    _, reply = replies(records)[0]
    assert "release.py" not in reply.everything  # listed by a tool's result, never named by the assistant
    assert judge("Releases are cut with `scripts/release.py`.", reply).label == IGNORED
    assert judge("Math lives in `src/math_utils.py` and `tests/test_math_utils.py`.", reply).label == USED


def test_what_instead_of_sets_aside_is_the_phrase_after_it() -> None:
    reply = Reply("We now use `uv` instead of `pip-tools`, with a lock file.", "")
    assert judge("Lock dependencies with `pip-tools`.", reply).label == CONTRADICTED
    assert judge("Install with `uv` and its lock file `uv.lock`.", reply).label != CONTRADICTED


@pytest.fixture
def session_vault(store: IndexStore, fresh_vault: Path) -> IndexStore:
    write_note(
        fresh_vault,
        "Math helpers",
        "Math helpers live in `src/math_utils.py`; tests in `tests/test_math_utils.py`.",
        id="math",
    )
    write_note(fresh_vault, "React hooks", "The frontend uses React hooks, never class components.", id="react")
    store.reconcile()
    return store


def test_a_stop_judges_what_was_shown_in_the_session(session_vault: IndexStore, tmp_path: Path) -> None:
    store = session_vault
    records, _ = read_records(COVERAGE)
    prompt, _ = replies(records)[0]
    store.ledger.shown(["math", "react"], None, "session-1", prompt)
    store.ledger.shown(["math"], None, "session-2", "a prompt of another session")

    def texts(ids: list[str]) -> dict[str, str]:
        rows = {i: store.catalog.by_id(i)[0] for i in ids}
        return {i: f"{r.title}\n{store.catalog.body(r.uid)}" for i, r in rows.items()}

    assert score_turns(store.ledger, texts, COVERAGE, "session-1") == 2
    assert score_turns(store.ledger, texts, COVERAGE, "session-1") == 0  # judged once
    records_ = store.ledger.records()
    assert (records_["math"].shown, records_["math"].used) == (2, 1)  # the other session's turn waits
    assert (records_["react"].used, records_["react"].ignored) == (0, 1)
    done = subprocess.run(
        [sys.executable, "-m", "memem", "--vault", str(store.paths.vault), "status", "--memory", "math"],
        capture_output=True,
        text=True,
    )
    store.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "math: shown 2× · used 1 · ignored 0 · contradicted 0"


def test_the_record_nudges_ranking_and_flags_a_memory_that_keeps_being_contradicted(
    session_vault: IndexStore,
) -> None:
    store = session_vault
    assert Record("x").prior == 1.0
    assert 1.0 < Record("x", 10, used=10).prior <= 1.0 + PRIOR
    assert 1.0 - PRIOR <= Record("x", 10, contradicted=10).prior < 1.0
    for n in range(FLAG_AFTER):
        store.ledger.shown(["react"], None, f"s{n}", f"prompt {n}")
    rows = store.ledger.pending("s0") + store.ledger.pending("s1") + store.ledger.pending("s2")
    store.ledger.judge([(row, CONTRADICTED, "set aside") for row, _, _ in rows])
    (problem,) = [p for p in health(store).problems if "contradicted in" in p.what]
    assert "'react'" in problem.what and problem.path == "memem/memories/React hooks.md"
    hit = next(h for h in search(store, Query("frontend react hooks class components", rerank=0)) if h.id == "react")
    assert any("contradicted 3 of 3 showings" in why for why in hit.reasons)


def test_a_held_out_prompt_injects_nothing_and_is_recorded_as_such(
    session_vault: IndexStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = session_vault
    prompt = "where do the math helpers and their tests live in src/math_utils.py?"
    shown = recall_for_prompt(store, prompt, None, 600, "s-live")
    assert shown.markdown and "math" in shown.shown
    monkeypatch.setenv("MEMEM_HOLDOUT", "0.5")
    held = [
        p
        for p in (f"{prompt} (variant {n})" for n in range(40))
        if recall_for_prompt(store, p, None, 600, "s-h").markdown == ""
    ]
    assert 5 <= len(held) <= 35  # about half of the prompts, chosen by their hash
    rows = store.ledger.conn.execute("SELECT COUNT(*) FROM shown WHERE holdout=1").fetchone()[0]
    assert rows >= len(held)  # what would have been shown is recorded, marked held out
    assert store.ledger.last_shown()  # held-out rows do not count as shown


# --- with the miner's model ----------------------------------------------------------------------------
def memory_texts(store: IndexStore) -> Callable[[list[str]], dict[str, str]]:
    def texts(ids: list[str]) -> dict[str, str]:
        rows = {i: store.catalog.by_id(i)[0] for i in ids}
        return {i: f"{r.title}\n{store.catalog.body(r.uid)}" for i, r in rows.items()}

    return texts


def turns_of(body: dict[str, Any]) -> dict[str, Any]:
    text = str(body["messages"][0]["content"])
    return dict(json.loads(text.removeprefix("<turns>\n").removesuffix("\n</turns>")))


def use_answers(verdicts: dict[str, tuple[str, str]], extra: list[dict[str, Any]] | None = None) -> Any:
    """A model answering the ledger's question: a verdict per memory, by a word of its text."""

    def answer(body: dict[str, Any]) -> dict[str, Any] | None:
        if body["system"] != USE_SYSTEM:
            return None
        out = []
        for case in turns_of(body)["memories"]:
            for word, (verdict, why) in verdicts.items():
                if word in case["memory"]:
                    out.append({"case": case["case"], "verdict": verdict, "evidence": why})
        return {"judgements": out + (extra or [])}

    return answer


@pytest.fixture
def shown_in_session(session_vault: IndexStore, fresh_vault: Path) -> IndexStore:
    """Three memories shown before the first prompt of a real session; one the words alone cannot place."""
    store = session_vault
    write_note(fresh_vault, "Coverage output", "Keep generated coverage output out of version control.", id="cov")
    store.reconcile()
    prompt, _ = replies(read_records(COVERAGE)[0])[0]
    store.ledger.shown(["math", "react", "cov"], None, "session-1", prompt)
    return store


def verdicts_of(store: IndexStore) -> dict[str, tuple[str, str]]:
    rows = store.ledger.conn.execute("SELECT note_id, verdict, evidence FROM shown WHERE session='session-1'")
    return {r[0]: (r[1], r[2]) for r in rows}


def test_with_a_model_the_model_judges_and_sees_only_the_assistants_words_and_actions(
    shown_in_session: IndexStore,
) -> None:
    store = shown_in_session
    assert (
        judge("Keep generated coverage output out of version control.", replies(read_records(COVERAGE)[0])[0][1]).label
        == IGNORED
    )
    api = FakeAnthropic(
        lambda text: [],
        answer=use_answers({
            "Math": (USED, "It opened src/math_utils.py as the memory says."),
            "React": (IGNORED, "No frontend work in this turn."),
            "coverage": (USED, "It added .coverage to .gitignore."),
        }),
    )  # fmt: skip
    assert score_turns(store.ledger, memory_texts(store), COVERAGE, "session-1", api.extractor()) == 3
    verdicts = verdicts_of(store)
    assert {k: v for k, (v, _) in verdicts.items()} == {"math": USED, "react": IGNORED, "cov": USED}
    assert verdicts["cov"][1] == "claude: It added .coverage to .gitignore."  # the model's, named as such
    (request,) = api.requests
    asked = turns_of(request)
    assert len(asked["turns"]) == 1 and len(asked["memories"]) == 3  # one question for the turn
    turn = asked["turns"][0]
    assert "release.py" not in json.dumps(asked)  # tool results are never sent, as they never count
    assert len(turn["reply"]) <= REPLY_CHARS and len(turn["tool_calls"]) <= REPLY_CHARS


def test_what_the_model_does_not_answer_is_judged_by_the_words(shown_in_session: IndexStore) -> None:
    store = shown_in_session
    invented = [{"case": 9, "verdict": CONTRADICTED, "evidence": "a memory never shown"}]
    api = FakeAnthropic(lambda text: [], answer=use_answers({"React": (IGNORED, "No frontend work.")}, invented))
    assert score_turns(store.ledger, memory_texts(store), COVERAGE, "session-1", api.extractor()) == 3
    verdicts = verdicts_of(store)
    assert verdicts["react"] == (IGNORED, "claude: No frontend work.")
    assert verdicts["math"][0] == USED and not verdicts["math"][1].startswith("claude")  # by the words
    assert CONTRADICTED not in {v for v, _ in verdicts.values()}


def test_a_model_out_of_reach_costs_nothing_but_the_model(shown_in_session: IndexStore) -> None:
    store = shown_in_session
    api = FakeAnthropic(lambda text: [], fail=lambda body: server_error(500))
    assert score_turns(store.ledger, memory_texts(store), COVERAGE, "session-1", api.extractor()) == 3
    assert {k: v for k, (v, _) in verdicts_of(store).items()} == {"math": USED, "react": IGNORED, "cov": IGNORED}
