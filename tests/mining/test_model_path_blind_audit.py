"""What a blind audit of the model path reproduced, each as a class: lessons lost to a title's case,
reviewed notes folded into or retired by the miner, and nothing bounding what one answer or one Stop
may cost. The real SDK answered by a stand-in (httpx2.MockTransport), real vaults in tmp dirs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from memem.memory.service import MemoryService
from memem.mining import miner
from memem.mining.backends import LocalBackend
from memem.mining.miner import (
    MAX_CALLS_PER_STOP,
    MIN_LESSONS_PER_ANSWER,
    UNUSABLE_BUDGET,
    lesson_cap,
    mine_transcript,
    retry_set_aside,
)
from memem.mining.state import MiningState
from memem.mining.transcript import read_turns
from memem.recall.query import Query
from memem.recall.search import search
from memem.testing import write_note
from memem.vault.note import Note, parse_note
from tests.mining.api_mock import FakeAnthropic, lesson
from tests.mining.test_model_path import RULES, SESSION, notes, record, rule_lessons, write_session

CHUNK_CALLS = 2 * UNUSABLE_BUDGET + 2
"""The most one chunk may cost once started: its extractions, halved on unusable answers, and a judgement."""


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    write_session(path, RULES)
    return path


def all_notes(service: MemoryService) -> list[Note]:
    out = []
    for path in service.paths.memories.rglob("*.md"):
        note = parse_note(path.relative_to(service.paths.vault).as_posix(), path.read_bytes())
        if isinstance(note, Note):
            out.append(note)
    return out


# --- 1. titles that differ only in case ---------------------------------------------------------


def short_session(path: Path) -> None:
    """Four turns, about 1.8 KB: the person states two testing rules, the assistant agrees."""
    path.parent.mkdir(parents=True, exist_ok=True)
    turns = [
        ("user", "For this repo: run the unit tests with pytest -q -p no:cacheprovider, never plain unittest. "
                 "The CI image has no cache directory writable, which is why the flag matters. " * 3),
        ("assistant", "Understood, pytest with -p no:cacheprovider from now on. " * 4),
        ("user", "And the integration tests only run inside docker compose (docker compose run tests), "
                 "because they need the postgres and redis services it starts. " * 3),
        ("assistant", "Got it: integration tests go through docker compose run tests. " * 4),
    ]  # fmt: skip
    with path.open("w") as handle:
        for n, (role, text) in enumerate(turns):
            handle.write(record(role, text, n))


def test_two_lessons_whose_titles_differ_only_in_case_are_both_written(
    service: MemoryService, state: MiningState, tmp_path: Path
) -> None:
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    short_session(path)
    pytest_rule = "Run unit tests with pytest -q -p no:cacheprovider; the CI image has no writable cache."
    docker_rule = "Integration tests run only inside docker compose (docker compose run tests)."
    api = FakeAnthropic(
        lambda text: [
            lesson("Testing", pytest_rule, tags=["pytest"]),
            lesson("testing", docker_rule, tags=["docker"]),
            lesson("TESTING", "  " + docker_rule.upper() + " "),  # the same content again: kept once
        ]
    )
    report = mine_transcript(path, LocalBackend(service), api.extractor(), state)
    bodies = {n.title: n.body.strip() for n in all_notes(service)}
    assert pytest_rule in bodies.values() and docker_rule in bodies.values()
    assert len(bodies) == 2 and len({t.casefold() for t in bodies}) == 2  # titles unique ignoring case
    assert {"Testing", "testing 2"} == set(bodies)
    names = [p.name.casefold() for p in service.paths.memories.rglob("*.md")]
    assert len(names) == len(set(names))  # no two file names that a Mac or Obsidian would take as one
    assert len(report.result["saved"]) == 2
    (skipped,) = report.result["skipped"]  # the repeat is reported, not silently dropped
    assert skipped["title"] == "TESTING" and "twice" in skipped["reason"]


# --- 2. reviewed and person's notes -----------------------------------------------------------------

STAGING = "The staging cluster is rebuilt every Sunday night."


def staging(vault: Path, **props: Any) -> Path:
    return write_note(vault, "Staging.md", STAGING, id="mem-staging", title="Staging is rebuilt weekly", **props)


def verdict(relation: str, **extra: Any) -> Any:
    def judge(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"lesson": p["lesson"], "memory_id": p["memory"]["id"], "relation": relation, **extra}
                for p in pairs if p["memory"]["id"] == "mem-staging"]  # fmt: skip

    return judge


OWNERS = {
    "reviewed mined note": {"source_type": "mined", "reviewed": "2026-11-01"},
    "person's note": {},
    "imported note": {"source_type": "import"},
}


@pytest.mark.parametrize("owner", list(OWNERS))
@pytest.mark.parametrize("relation", ["refines", "duplicate"])
def test_a_lesson_judged_to_repeat_a_note_the_miner_does_not_own_is_kept_as_its_own_note(
    service: MemoryService, state: MiningState, transcript: Path, fresh_vault: Path, owner: str, relation: str
) -> None:
    path = staging(fresh_vault, **OWNERS[owner])
    before = path.read_bytes()
    service.store.reconcile()
    api = FakeAnthropic(rule_lessons, verdict(relation, merged_content=STAGING + " Machine rewrite."))
    report = mine_transcript(transcript, LocalBackend(service), api.extractor(), state)
    assert path.read_bytes() == before  # not rewritten, not even its `updated` or `source_sessions`
    found = notes(service)
    new = found["Team rule 1"]  # the staging rule: kept, not folded into nothing
    assert RULES[1] in new.body and new.reviewed is None and new.source_type == "mined"
    assert "[[Staging]]" in json.dumps(new.metadata.get("related"))
    assert any(line.startswith(f"{relation} mem-staging") for line in new.metadata["judged"])
    assert "mem-staging" not in report.result["updated"]
    assert {"kind": "related", "from": new.id, "to": "mem-staging"} in report.result["linked"]


def test_a_note_reviewed_while_the_judge_answered_is_not_folded_into(
    service: MemoryService, state: MiningState, transcript: Path, fresh_vault: Path
) -> None:
    """The judge saw a machine-owned note; a person approved it before the answer was applied."""
    path = staging(fresh_vault, source_type="mined")
    service.store.reconcile()
    plain = verdict("refines", merged_content=STAGING + " Machine rewrite.")

    def judge(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if "reviewed:" not in path.read_text():
            path.write_text(path.read_text().replace("---\n", "---\nreviewed: '2026-12-01'\n", 1))
        return plain(pairs)

    report = mine_transcript(transcript, LocalBackend(service), FakeAnthropic(rule_lessons, judge).extractor(), state)
    assert "Machine rewrite." not in path.read_text()
    assert RULES[1] in notes(service)["Team rule 1"].body
    assert "mem-staging" not in report.result["updated"]


@pytest.mark.parametrize("owner", list(OWNERS))
def test_a_lesson_judged_to_supersede_a_reviewed_note_never_retires_it(
    service: MemoryService, state: MiningState, transcript: Path, fresh_vault: Path, owner: str
) -> None:
    path = staging(fresh_vault, **OWNERS[owner])
    before = path.read_bytes()
    service.store.reconcile()
    api = FakeAnthropic(rule_lessons, verdict("supersedes", evidence="the newer rule says more"))
    report = mine_transcript(transcript, LocalBackend(service), api.extractor(), state)
    assert path.read_bytes() == before
    kept = service.resolve("mem-staging")
    assert kept.status == "active"
    new = notes(service)["Team rule 1"]
    assert "supersedes" not in new.metadata  # which would hide the reviewed note behind it in recall
    assert "[[Staging]]" in json.dumps(new.metadata["contradicts"])  # flagged for a person instead
    assert new.metadata["contradiction_evidence"] == "the newer rule says more"
    assert {"kind": "contradicts", "from": new.id, "to": "mem-staging"} in report.result["linked"]
    hits = search(service.store, Query("when is the staging cluster rebuilt", project="shop", rerank=0))
    assert "mem-staging" in [h.id for h in hits]
    from memem.graph.audit import audit

    assert tuple(sorted((service.resolve(new.id).uid, kept.uid))) in audit(service.store.graph).contradictions


def test_a_machine_owned_note_may_still_be_superseded(
    service: MemoryService, state: MiningState, transcript: Path, fresh_vault: Path
) -> None:
    staging(fresh_vault, source_type="mined")
    service.store.reconcile()
    api = FakeAnthropic(rule_lessons, verdict("supersedes", evidence="newer"))
    mine_transcript(transcript, LocalBackend(service), api.extractor(), state)
    assert "[[Staging]]" in json.dumps(notes(service)["Team rule 1"].metadata["supersedes"])


# --- 3. bounds on one answer and one Stop -----------------------------------------------------------


def test_an_answer_of_three_hundred_lessons_to_a_short_transcript_is_capped_and_the_rest_reported(
    service: MemoryService, state: MiningState, tmp_path: Path
) -> None:
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    short_session(path)
    flood = [lesson(f"Invented rule {i}", f"Rule number {i} about widget {i * 7919 % 1000}.") for i in range(300)]
    for i, rule in enumerate(RULES[:5]):  # the ones kept: distinct, so none is taken for another's repeat
        flood[i] = lesson(f"Team rule {i}", rule)
    flood[250] = lesson("Pytest runs without its cache", "Pass -p no:cacheprovider to pytest.", importance=5)
    report = mine_transcript(path, LocalBackend(service), FakeAnthropic(lambda text: flood).extractor(), state)
    cap = lesson_cap(sum(len(t.text) for t in read_turns(path, 0)[0]))
    assert MIN_LESSONS_PER_ANSWER <= cap <= 5  # a 1.4 KB conversation
    written = all_notes(service)
    assert len(written) == cap == report.lessons
    assert {n.title for n in written} == {"Pytest runs without its cache"} | {f"Team rule {i}" for i in range(cap - 1)}
    skipped = report.result["skipped"]
    assert len(skipped) == 300 - cap and all("over the cap" in s["reason"] for s in skipped)
    assert state.get(path).offset == path.stat().st_size


def test_one_stop_makes_a_bounded_number_of_calls_and_the_next_continues_where_it_stopped(
    service: MemoryService, state: MiningState, transcript: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(miner, "CHUNK_CHARS", 3500)
    monkeypatch.setattr(miner, "MAX_CALLS_PER_STOP", 2)
    api = FakeAnthropic(rule_lessons)
    stops = []
    for _ in range(10):
        sent = len(api.requests)
        report = mine_transcript(transcript, LocalBackend(service), api.extractor(), state)
        stops.append(len(api.requests) - sent)
        if report.deferred is None:
            break
        assert "model calls" in report.deferred and report.set_aside == []
    assert 1 < len(stops) < 10 and max(stops) <= 2 + CHUNK_CALLS
    assert {f"Team rule {i}" for i in range(len(RULES))} <= set(notes(service))
    assert state.get(transcript).offset == transcript.stat().st_size
    sent_rules = [line.split(":")[0] for t in api.extractions() for line in t.splitlines() if line.startswith("RULE-")]
    assert len(sent_rules) == len(set(sent_rules)) == len(RULES)  # each rule sent once: none lost, none re-sent


def test_one_stop_writes_a_bounded_number_of_lessons(
    service: MemoryService, state: MiningState, transcript: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(miner, "CHUNK_CHARS", 3500)
    monkeypatch.setattr(miner, "MAX_LESSONS_PER_STOP", 2)
    api = FakeAnthropic(rule_lessons)
    first = mine_transcript(transcript, LocalBackend(service), api.extractor(), state)
    assert first.deferred is not None and "lessons" in first.deferred
    assert 2 <= first.lessons < len(RULES) and 0 < state.get(transcript).offset < transcript.stat().st_size
    while mine_transcript(transcript, LocalBackend(service), api.extractor(), state).deferred:
        pass
    assert {f"Team rule {i}" for i in range(len(RULES))} <= set(notes(service))


def test_a_two_megabyte_paste_costs_a_bounded_number_of_calls_and_is_never_resent(
    service: MemoryService, state: MiningState, tmp_path: Path
) -> None:
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    line = "2026-12-01T10:00:00Z INFO worker-3 processed batch {n} in 12ms (queue depth 4)\n"
    log_text = "".join(line.format(n=n) for n in range(2_000_000 // len(line)))
    path.parent.mkdir(parents=True)
    with path.open("w") as handle:
        handle.write(record("user", "RULE-0: " + RULES[0] + "\nHere is the worker log:\n" + log_text, 0))
        handle.write(record("assistant", "The worker is healthy.", 1))
        handle.write(record("user", "RULE-1: " + RULES[1], 2))
    api = FakeAnthropic(rule_lessons)
    report = mine_transcript(path, LocalBackend(service), api.extractor(), state)
    first_stop = len(api.requests)
    assert first_stop <= MAX_CALLS_PER_STOP + CHUNK_CALLS  # was 52
    assert report.deferred is not None and len(report.set_aside) == 1  # the rest of the paste, exactly
    assert "Team rule 0" in notes(service)
    # The place moved past the paste: the next Stop mines what follows it and re-sends none of it.
    again = mine_transcript(path, LocalBackend(service), api.extractor(), state)
    assert "Team rule 1" in notes(service) and again.deferred is None
    assert all("worker-3" not in t for t in api.extractions()[first_stop:])
    assert state.get(path).offset == path.stat().st_size
    (part,) = state.set_aside_parts(path)
    # Nothing lost: `memem mine --retry` reads exactly the rest of the paste, from where the Stop ended.
    mined_first = "".join(api.extractions()[:first_stop])
    retried = FakeAnthropic(rule_lessons)
    retry_set_aside(path, LocalBackend(service), retried.extractor(), state)
    rest = "".join(retried.extractions())
    lines = log_text.count("\n")
    first_seen = {int(n) for n in re.findall(r"processed batch (\d+) ", mined_first)}
    rest_seen = {int(n) for n in re.findall(r"processed batch (\d+) ", rest)}
    assert not first_seen & rest_seen and 0 in first_seen and lines - 1 in rest_seen  # nothing sent twice
    cuts = len(api.extractions()) + len(retried.extractions())  # each part's edge may cut one line in two
    assert lines - len(first_seen | rest_seen) <= cuts  # nothing lost
    assert "RULE-1" not in rest
    assert state.set_aside_parts(path) == [] and part.char_from > 0
