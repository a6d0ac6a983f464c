"""Folding mined lessons into the memory they repeat or refine never loses one: a merged text replaces
only the text it was merged from, a bare repeat must say the same thing, and what the judge names is
never logged with a secret in it. The real SDK answers through httpx2.MockTransport (`api_mock`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx2
import pytest

from memem.memory.service import MemoryService
from memem.mining.backends import LocalBackend
from memem.mining.miner import mine_transcript, retry_set_aside
from memem.mining.state import MAX_ATTEMPTS, MiningState
from memem.testing import write_note
from tests.mining.api_mock import FakeAnthropic, message, server_error
from tests.mining.test_model_path import SESSION, record, rule_lessons, write_session

ETL = "The nightly ETL job loads the orders table into the analytics schema."
DEADLINE = "The nightly ETL job that loads the orders table into the analytics schema must finish by 6am."
RETRIES = "The nightly ETL job that loads the orders table into the analytics schema retries failed tasks."


def session(tmp_path: Path, rules: list[str]) -> Path:
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    write_session(path, rules)
    return path


def bodies(service: MemoryService) -> str:
    return "\n".join(p.read_text() for p in service.paths.memories.rglob("*.md"))


def owned(vault: Path, name: str, body: str, note_id: str) -> Path:
    """A note the miner wrote and nobody reviewed: one it may fold lessons into."""
    return write_note(vault, name, body, id=note_id, title=name, source_type="mined", project="shop")


def refines_with_merge(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As the judge prompt asks: the memory's content with the new detail folded in, each pair alone."""
    return [
        {"lesson": p["lesson"], "memory_id": p["memory"]["id"], "relation": "refines",
         "merged_content": f"{p['memory']['content']} Also: {p['new']['content']}"}
        for p in pairs if p["memory"]["id"] == "mem-etl"
    ]  # fmt: skip


def test_two_lessons_refining_one_memory_in_one_run_are_both_kept(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path
) -> None:
    owned(fresh_vault, "Nightly ETL", ETL, "mem-etl")
    service.store.reconcile()
    api = FakeAnthropic(rule_lessons, refines_with_merge)
    report = mine_transcript(session(tmp_path, [DEADLINE, RETRIES]), LocalBackend(service), api.extractor(), state)
    text = bodies(service)
    assert ETL in text and DEADLINE in text and RETRIES in text  # the second merge erased the first before
    assert report.result["updated"] == ["mem-etl"]  # one fold; the other lesson is its own note, linked
    (saved,) = report.result["saved"]
    assert {"kind": "related", "from": saved["id"], "to": "mem-etl"} in report.result["linked"]


def test_a_merge_computed_from_text_edited_since_is_not_written_over_it(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path
) -> None:
    path = owned(fresh_vault, "Nightly ETL", ETL, "mem-etl")
    service.store.reconcile()
    edit = "The nightly ETL job loads the orders table into the analytics schema, partitioned by day."

    def judge(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        path.write_text(path.read_text().replace(ETL, edit))  # an edit in Obsidian while the judge answers
        return refines_with_merge(pairs)

    api = FakeAnthropic(rule_lessons, judge)
    mine_transcript(session(tmp_path, [DEADLINE]), LocalBackend(service), api.extractor(), state)
    assert edit in path.read_text()
    assert DEADLINE in bodies(service)


def test_refines_without_a_merged_text_keeps_the_lesson_as_its_own_note(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path
) -> None:
    path = owned(fresh_vault, "Nightly ETL", ETL, "mem-etl")
    service.store.reconcile()
    judge = lambda pairs: [{**j, "merged_content": None} for j in refines_with_merge(pairs)]  # noqa: E731
    report = mine_transcript(session(tmp_path, [DEADLINE]), LocalBackend(service),
                             FakeAnthropic(rule_lessons, judge).extractor(), state)  # fmt: skip
    assert DEADLINE in bodies(service) and ETL in path.read_text()
    assert report.result["updated"] == [] and len(report.result["saved"]) == 1


PORT = "The staging Postgres listens on port {} inside the compose network."


@pytest.mark.parametrize("judge_answer", ["unusable", "none"])
def test_a_lesson_differing_by_a_number_is_not_folded_by_likeness_alone(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path, judge_answer: str
) -> None:
    """The judge's answer is unusable, or there is no judge: only near-identical text that says the same
    thing counts as the same memory (the cosine of these two is over 0.95)."""
    path = owned(fresh_vault, "Staging Postgres port", PORT.format(5433), "mem-port")
    service.store.reconcile()

    def fail(body: dict[str, Any]) -> httpx2.Response | None:
        if "judgements" in str(body["output_config"]):
            return httpx2.Response(200, json=message("this is not JSON at all"))
        return None

    api = FakeAnthropic(rule_lessons, fail=fail)
    backend = LocalBackend(service)
    if judge_answer == "none":
        from memem.mining.decide import decide
        from memem.mining.lessons import Lesson

        lessons = [Lesson.model_validate(rule_lessons(f"RULE-0: {PORT.format(5434)}")[0])]
        items, _ = decide(lessons, backend.similar([lessons[0].content], "shop"))
        assert items[0]["action"] == "save"
        return
    mine_transcript(session(tmp_path, [PORT.format(5434)]), backend, api.extractor(), state)
    assert "5433" in path.read_text() and "5434" not in path.read_text()
    assert PORT.format(5434) in bodies(service)  # saved beside it, not dropped as "already remembered"


def test_a_bare_repeat_by_the_judges_word_that_says_something_else_is_saved(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path
) -> None:
    path = owned(fresh_vault, "Staging Postgres port", PORT.format(5433), "mem-port")
    service.store.reconcile()
    judge = lambda pairs: [{"lesson": p["lesson"], "memory_id": p["memory"]["id"], "relation": "duplicate"}  # noqa: E731
                           for p in pairs]  # fmt: skip
    mine_transcript(session(tmp_path, [PORT.format(6543)]), LocalBackend(service),
                    FakeAnthropic(rule_lessons, judge).extractor(), state)  # fmt: skip
    assert "6543" not in path.read_text() and PORT.format(6543) in bodies(service)


def test_an_id_the_judge_invents_is_logged_without_the_secret_it_holds(
    service: MemoryService, state: MiningState, tmp_path: Path, fresh_vault: Path, caplog: pytest.LogCaptureFixture
) -> None:
    owned(fresh_vault, "Nightly ETL", ETL, "mem-etl")
    service.store.reconcile()
    token = "ghp_" + "Hk2Lm3Nb4Vc5Xz6As7Df8Gh9Jk0Qw1Er2Ty3U"
    judge = lambda pairs: [{"lesson": p["lesson"], "memory_id": token, "relation": "duplicate"} for p in pairs]  # noqa: E731
    with caplog.at_level(logging.WARNING):
        report = mine_transcript(session(tmp_path, [DEADLINE]), LocalBackend(service),
                                 FakeAnthropic(rule_lessons, judge).extractor(), state)  # fmt: skip
    assert "judgement ignored" in caplog.text and token not in caplog.text
    assert token not in repr(report.result) and token not in repr(report)
    assert DEADLINE in bodies(service)


# --- a turn longer than a chunk: failures inside it -------------------------------------------------


def long_turn(tmp_path: Path, rules: int = 10, gap: int = 9_000) -> Path:
    """One message of about 100,000 characters (a pasted log with rules among it): mined in three
    chunks, the second and third beginning inside it."""
    filler = "2026-12-01T10:00:00Z INFO worker processed a batch of orders\n" * (gap // 61)
    text = "".join(f"RULE-{n}: Rule number {n} of the long paste must be kept.\n{filler}" for n in range(rules))
    path = tmp_path / "projects" / "-tmp-shop" / f"{SESSION}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        handle.write(record("user", text, 0))
        handle.write(record("assistant", "Noted.", 1))
    return path


def test_a_failure_inside_a_long_turn_is_retried_there_three_times_then_set_aside(
    service: MemoryService, state: MiningState, tmp_path: Path
) -> None:
    path = long_turn(tmp_path)
    broken = {"on": True}
    api = FakeAnthropic(
        rule_lessons, fail=lambda body: server_error(500) if broken["on"] and "RULE-5:" in str(body) else None
    )
    for n in range(1, MAX_ATTEMPTS + 1):
        report = mine_transcript(path, LocalBackend(service), api.extractor(), state)
        assert (f"attempt {n} of" in (report.error or "")) == (n < MAX_ATTEMPTS)  # counted at the part
    # Each Stop resumed at the failing part: the part before it was asked for once, not at every Stop.
    sent = api.extractions()
    assert sum("RULE-0:" in t for t in sent) == 1
    assert sum("RULE-5:" in t for t in sent) >= MAX_ATTEMPTS
    (part,) = state.set_aside_parts(path)  # after the third attempt: set aside, exactly that part
    assert part.char_from > 0 and "3 times" in part.reason
    assert {n for n in range(10) if f"Rule number {n} " in bodies(service)} == set(range(10)) - _numbers_in(sent, part)
    broken["on"] = False
    retried = retry_set_aside(path, LocalBackend(service), api.extractor(), state)
    assert {n for n in range(10) if f"Rule number {n} " in bodies(service)} == set(range(10))  # nothing lost
    assert state.set_aside_parts(path) == [] and retried.cost_usd > 0
    lessons = sum(s.lessons for s in state.all())
    assert lessons == len(list(service.paths.memories.rglob("*.md")))  # `--status` counts the retry's too


def _numbers_in(sent: list[str], part: Any) -> set[int]:
    """The rules of the part set aside: those only the failed requests carried."""
    failed = [t for t in sent if "RULE-5:" in t]
    return {n for n in range(10) if any(f"RULE-{n}:" in t for t in failed)}
