"""A blind audit of the usefulness ledger: the rule judge read a memory's own "instead of" as a reply
setting it aside, and a memory named only to be declined as used; and the ledger only ever grew."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from memem.index.ledger import FLAG_AFTER, RecallLedger
from memem.mining.usefulness import CONTRADICTED, IGNORED, USED, Reply, judge

PNPM = "Install dependencies with `pnpm install` instead of `npm install`."
SETTINGS = "Settings are read from `config/settings.toml`."

FOLLOWED = [  # (memory, a reply that does what it says, in its own "instead of" words or others)
    (PNPM, "Running `pnpm install` instead of `npm install`."),
    (PNPM, "I'll use pnpm install rather than npm install here."),
    ("Install with `pnpm install`.", "Running `pnpm install` instead of `npm install`."),
    ("Type-check with `mypy --strict` rather than `pyright`.", "Checking with `mypy --strict` rather than `pyright`."),
    ("We no longer use `black`; format with `ruff format`.", "Formatting with `ruff format` instead of `black`."),
    (
        "Build images with `podman build`; `docker build` is deprecated here.",
        "`docker build` is deprecated here, so `podman build -t app .`",
    ),
    (
        "Use `uv sync` in place of `pip install -r requirements.txt`.",
        "Ran `uv sync` in place of `pip install -r requirements.txt`.",
    ),
]
DECLINED = [  # (memory, a reply that names it only to decline it)
    (SETTINGS, "A memory claims settings live in `config/settings.toml`, but I won't rely on it; reading the loader."),
    (SETTINGS, "A memory claims settings live in `config/settings.toml`. I won't rely on it."),
    (SETTINGS, "I'll ignore the note about `config/settings.toml`: the loader reads environment variables."),
    (SETTINGS, "A recalled note points at `config/settings.toml`; that doesn't apply to this repository."),
    (SETTINGS, "The note about `config/settings.toml` is outdated, settings moved."),
    (
        "Run tests with `pytest -x` from `backend/`.",
        "You remembered `pytest -x` in `backend/`, but I'm not going to follow that.",
    ),
    (
        "Deploy with `make deploy-prod`.",
        "The memory mentions `make deploy-prod`, which is stale: the Makefile has no such target.",
    ),
    (
        "Deploy with `make deploy-prod`.",
        "There is a note saying to run `make deploy-prod`. I'll disregard it and use the CI job.",
    ),
]
CONTRADICTIONS = [  # twins that must stay contradicted: the memory's own recommendation set aside
    (PNPM, "Running `npm install` instead of `pnpm install`."),
    (PNPM, "Running npm install rather than pnpm."),
    ("Type-check with `mypy --strict` rather than `pyright`.", "Checking with `pyright` rather than `mypy --strict`."),
    (
        "Build images with `podman build`; `docker build` is deprecated here.",
        "`podman build` is outdated, using `docker build -t app .`",
    ),
    ("Lock dependencies with `pip-tools`.", "We now use `uv` instead of `pip-tools`, with a lock file."),
    (SETTINGS, "`config/settings.toml` does not exist: settings moved to pyproject."),
    (SETTINGS, "I won't rely on `config/settings.toml`; the loader reads environment variables."),
]
USES = [  # twins that must stay used: a memory mentioned and followed, near words that decline other things
    (
        "Releases are cut with `scripts/release.py`.",
        "Ran `scripts/release.py`. The release notes are outdated, updating them.",
    ),
    ("Install with `pnpm install`.", "Note: ran `pnpm install`. It's outdated in the lockfile though, which is odd."),
    (SETTINGS, "Reading `config/settings.toml` for the settings, as the memory says."),
    (
        "Generated files such as `.coverage` belong in `.gitignore`.",
        "The memory says to add `.coverage` to `.gitignore` so git will ignore it.",
    ),
    (
        "Math lives in `src/math_utils.py` and `tests/test_math_utils.py`.",
        "Opened src/math_utils.py and tests/test_math_utils.py.",
    ),
]


@pytest.mark.parametrize(("memory", "said"), FOLLOWED + USES)
def test_a_reply_that_does_what_the_memory_says_is_used(memory: str, said: str) -> None:
    assert judge(memory, Reply(said, "")).label == USED


@pytest.mark.parametrize(("memory", "said"), DECLINED + CONTRADICTIONS)
def test_a_reply_that_sets_the_memorys_recommendation_aside_contradicts_it(memory: str, said: str) -> None:
    verdict = judge(memory, Reply(said, ""))
    assert verdict.label == CONTRADICTED, verdict
    assert verdict.evidence.startswith("“")  # the cue and the memory's own terms


def test_doing_what_the_memory_sets_aside_is_not_using_it() -> None:
    assert judge(PNPM, Reply("Running `npm install`.", 'Bash {"command": "npm install"}')).label == IGNORED


def test_three_followed_turns_do_not_flag_the_memory(tmp_path: Path) -> None:
    ledger = RecallLedger(tmp_path / "ledger.sqlite3")
    for n in range(FLAG_AFTER):
        ledger.shown(["pnpm"], None, f"s{n}", f"prompt {n}")
    rows = [row for n in range(FLAG_AFTER) for row, _, _ in ledger.pending(f"s{n}")]
    verdict = judge(PNPM, Reply("Running `pnpm install` instead of `npm install`.", ""))
    ledger.judge([(row, verdict.label, verdict.evidence) for row in rows])
    record = ledger.records()["pnpm"]
    assert (record.used, record.contradicted, record.flagged) == (FLAG_AFTER, 0, False)
    ledger.close()


# --- the ledger is bounded ----------------------------------------------------------------------------
def rows_of(path: Path, note: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM shown WHERE note_id=?", (note,)).fetchone()[0])
    finally:
        conn.close()


def test_prune_forgets_the_notes_gone_from_the_vault(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = RecallLedger(path)
    old = time.time() - 86400
    for n in range(7):
        ledger.shown(["gone", "kept"], None, "s-gone", f"prompt {n}", at=old + n)
    ledger.recalled(["gone", "kept"], at=old)
    ledger.read_to("s-gone", "/t.jsonl", 10)
    ledger.shown(["new"], None, "s-new", "just now")  # a note written since the ids were read
    assert ledger.prune(set()) == 0 and rows_of(path, "gone") == 7  # no ids known: nothing pruned
    assert ledger.prune({"kept"}) == 7
    assert rows_of(path, "gone") == 0 and rows_of(path, "kept") == 7 and rows_of(path, "new") == 1
    assert "gone" not in ledger.records() and "gone" not in ledger.last_shown()
    assert ledger.records()["kept"].shown == 7
    assert ledger.read_from("s-gone", "/t.jsonl") == 10  # its session still has rows of a kept note
    assert ledger.prune({"new"}) == 7 and ledger.read_from("s-gone", "/t.jsonl") == 0
    assert ledger.started() == pytest.approx(old)  # when the ledger began is not forgotten
    ledger.close()


def test_old_and_surplus_rows_are_folded_into_what_a_record_needs(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = RecallLedger(path)
    now = time.time()
    long_ago = now - 400 * 86400
    for n in range(6):
        ledger.shown(["a"], None, f"s{n}", f"p{n}", at=long_ago + n, holdout=n == 5)
    ledger.shown(["a", "b"], None, "recent", "p", at=now - 60)
    verdicts = [CONTRADICTED, CONTRADICTED, CONTRADICTED, USED, IGNORED, USED]
    ledger.judge([(row, verdicts[n], "") for n in range(6) for row, _, _ in ledger.pending(f"s{n}")])
    before = (ledger.records(), ledger.last_shown(), ledger.holdout_rates(), ledger.started())
    assert ledger.cap(now=now) == 6 and rows_of(path, "a") == 1
    after = (ledger.records(), ledger.last_shown(), ledger.holdout_rates(), ledger.started())
    assert after == before
    assert after[0]["a"].flagged and after[0]["a"].shown == 6  # 5 shown (one held out) + 1 recent
    assert ledger.records(["a"]) == {"a": before[0]["a"]}
    assert ledger.cap(now=now) == 0  # folded once, never counted twice
    # A size cap too: the oldest beyond it are folded.
    for n in range(20):
        ledger.shown(["c"], None, "busy", f"q{n}", at=now - 100 + n)
    assert ledger.cap(now=now, max_rows=5) == 17 and rows_of(path, "c") == 3  # 5 kept: a, b and 3 of c
    assert ledger.records()["c"].shown == 20 and ledger.records()["a"] == before[0]["a"]
    ledger.close()
    reopened = RecallLedger(path)  # the tallies are the ledger's own: they outlive the process
    assert reopened.records()["c"].shown == 20 and reopened.holdout_rates() == before[2]
    reopened.close()
