"""The miner's place in a transcript, against the cases a review found: a reply split across two runs,
a turn longer than a chunk, the retry of half a turn, and failures that are not the model's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from memem.mining import miner
from memem.mining.failures import AnswerUnusable, Spend
from memem.mining.lessons import Lesson
from memem.mining.miner import mine_transcript, retry_set_aside
from memem.mining.state import MAX_ATTEMPTS, MiningState


class Reader:
    """An extractor that records what it was shown; a lesson for each LESSON-n it sees; BAD is unusable."""

    name = "reader"

    def __init__(self) -> None:
        self.spent = Spend()
        self.seen: list[str] = []
        self.broken = False

    def extract(self, conversation: str, project: str | None) -> list[Lesson]:
        self.seen.append(conversation)
        if self.broken and "BAD" in conversation:
            raise AnswerUnusable("the answer was cut off")
        marks = sorted({w.strip(".,") for w in conversation.split() if w.startswith("LESSON-")})
        return [Lesson(title=f"Lesson {m}", content=f"{m} holds.", kind="fact", scope="project") for m in marks]


class Recorder:
    """A backend that keeps what it is asked to write; `down` makes it fail like an unreachable daemon."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.down = False

    def similar(self, texts: list[str], project: str | None) -> list[list[dict[str, Any]]]:
        if self.down:
            raise ConnectionRefusedError("the daemon did not answer")
        return [[] for _ in texts]

    def apply(self, items: list[dict[str, Any]], project: str | None, session: str | None, name: str) -> dict[str, Any]:
        self.written += [item["lesson"]["title"] for item in items]
        return {"saved": [{"title": item["lesson"]["title"]} for item in items]}


def add(path: Path, role: str, text: str) -> None:
    content: Any = text if role == "user" else [{"type": "text", "text": text}]
    record = {"type": role, "sessionId": "s", "uuid": f"u{path.stat().st_size if path.exists() else 0}",
              "cwd": "/tmp/shop", "message": {"role": role, "content": content}}  # fmt: skip
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "projects" / "-tmp-shop" / "s.jsonl"


@pytest.fixture(autouse=True)
def folder(path: Path) -> None:
    path.parent.mkdir(parents=True)


def test_a_reply_read_half_written_is_finished_at_the_next_run(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    add(path, "user", "fix the flaky test")
    add(path, "assistant", "Looking.")
    mine_transcript(path, backend, reader, state)
    add(path, "user", "now the deploy")
    add(path, "assistant", "Checking the deploy config first.")  # a run reads the reply this far...
    mine_transcript(path, backend, reader, state)
    add(path, "assistant", "Root cause: the deploy script used GNU sed. LESSON-7")  # ...the rest comes later
    mine_transcript(path, backend, reader, state)
    assert any("LESSON-7" in seen for seen in reader.seen) and backend.written == ["Lesson LESSON-7"]
    assert state.get(path).offset == path.stat().st_size


def test_a_turn_longer_than_a_chunk_is_read_to_its_end(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    add(path, "user", "port the parser")
    steps = "\n\n".join(f"Step {n}: " + "checked the grammar and the tests again. " * 7 for n in range(400))
    add(path, "assistant", f"{steps}\n\nDone. LESSON-9")  # one long autonomous run: one assistant turn
    report = mine_transcript(path, backend, reader, state)
    assert len(steps) > miner.CHUNK_CHARS and report.chunks > 1
    assert backend.written == ["Lesson LESSON-9"]
    assert "port the parser" in reader.seen[0]  # the request shares a chunk with the start of its reply
    shown = "".join(seen.split("### Assistant:\n", 1)[-1] for seen in reader.seen)
    assert shown.count("Step ") == 400  # every part was shown once


def test_retrying_half_a_turn_mines_only_that_half(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    reader.broken = True
    add(path, "user", "go")
    add(path, "assistant", "LESSON-1 " + "a" * 1500 + "\n\n" + "b" * 1500 + "\n\n" + "BAD LESSON-2 " + "c" * 1500)
    report = mine_transcript(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-1"] and len(report.set_aside) == 1
    (part,) = state.set_aside_parts(path)
    assert part.char_from > 0  # the part is the second half of the turn, not the whole turn
    reader.broken = False
    retried = retry_set_aside(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-1", "Lesson LESSON-2"]  # LESSON-1 not mined twice
    assert retried.set_aside == [] and state.set_aside_parts(path) == []


def test_a_daemon_that_does_not_answer_is_tried_a_bounded_number_of_times(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    add(path, "user", "Remember: LESSON-3 matters.")
    backend.down = True
    for attempt in range(1, MAX_ATTEMPTS):
        report = mine_transcript(path, backend, reader, state)
        assert report.error and "ConnectionRefusedError" in report.error and f"attempt {attempt}" in report.error
        assert state.get(path).offset == 0
    last = mine_transcript(path, backend, reader, state)
    assert len(last.set_aside) == 1 and state.get(path).offset == path.stat().st_size
    backend.down = False
    retry_set_aside(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-3"]


def test_errors_outside_a_chunk_do_not_count_as_attempts(path: Path, state: MiningState) -> None:
    add(path, "user", "Remember: LESSON-4 matters.")
    for _ in range(5):
        state.record_error(path, "SessionBusy: another miner", attempt=False)
    assert state.record_error(path, "the API answered HTTP 500") == 1


def test_a_transcript_rewritten_into_a_longer_file_is_mined_from_its_start(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    add(path, "user", "Remember: LESSON-1 matters.")
    add(path, "assistant", "Noted.")
    mine_transcript(path, backend, reader, state)
    mined = state.get(path).offset
    path.unlink()  # a tool writes the session anew: other bytes, and more of them than were mined
    add(path, "user", "Remember: LESSON-2 matters, and the build needs the cache warmed first.")
    add(path, "assistant", "Understood, the cache is warmed before each build from now on.")
    add(path, "user", "Remember: LESSON-3 matters.")
    assert path.stat().st_size > mined
    assert state.place(path) == 0
    mine_transcript(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-1", "Lesson LESSON-2", "Lesson LESSON-3"]
    assert "LESSON-2" in reader.seen[-1] and state.get(path).offset == path.stat().st_size


def test_an_appended_transcript_goes_on_from_its_place(path: Path, state: MiningState) -> None:
    reader, backend = Reader(), Recorder()
    add(path, "user", "Remember: LESSON-1 matters.")
    mine_transcript(path, backend, reader, state)
    mined = state.get(path).offset
    add(path, "user", "Remember: LESSON-2 matters.")
    assert state.place(path) == mined
    mine_transcript(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-1", "Lesson LESSON-2"] and "LESSON-1" not in reader.seen[-1]


def test_state_without_a_fingerprint_trusts_its_offset(path: Path, state: MiningState) -> None:
    """Rows an earlier memem wrote have no fingerprint: their place is kept, not read again from the start."""
    reader, backend = Reader(), Recorder()
    add(path, "user", "Remember: LESSON-1 matters.")
    mine_transcript(path, backend, reader, state)
    state.db.execute("UPDATE sessions SET mark=NULL")
    add(path, "user", "Remember: LESSON-2 matters.")
    mine_transcript(path, backend, reader, state)
    assert backend.written == ["Lesson LESSON-1", "Lesson LESSON-2"]


def test_parts_set_aside_in_a_rewritten_transcript_are_dropped(path: Path, state: MiningState) -> None:
    """Their byte ranges belong to the old file: the new one is mined whole instead."""
    reader, backend = Reader(), Recorder()
    add(path, "user", "Remember: LESSON-3 matters.")
    backend.down = True
    for _ in range(MAX_ATTEMPTS):
        mine_transcript(path, backend, reader, state)
    assert len(state.set_aside_parts(path)) == 1
    backend.down = False
    path.write_text("")
    add(path, "user", "Remember: LESSON-4 matters, in a session written again from its start.")
    mine_transcript(path, backend, reader, state)
    assert state.set_aside_parts(path) == [] and backend.written == ["Lesson LESSON-4"]


def test_the_offline_extractor_s_findings_are_not_capped_by_length(path: Path, state: MiningState) -> None:
    """A model's answer keeps one lesson per 300 characters read (a flood guard); the offline extractor's
    findings each passed its gates, and a person's list of seven rules in one message is seven rules."""
    from memem.mining.extract_offline import OfflineExtractor

    rules = [
        "Always use `pnpm` for installs, never `npm`.",
        "Never commit `.env` files in this repo.",
        "Always run `make lint` before pushing a branch.",
        "We use `zod` for all runtime validation of API input.",
        "Never use `moment`; we use `date-fns` for dates.",
        "Always open pull requests against `develop`, never `main`.",
        "We keep feature flags in `flags.yaml`, never in code.",
    ]
    add(path, "user", "House rules:\n" + "\n".join(rules))
    backend = Recorder()
    report = mine_transcript(path, backend, OfflineExtractor(), state)
    assert len(backend.written) == 7 and len("\n".join(rules)) < 7 * 300, report
