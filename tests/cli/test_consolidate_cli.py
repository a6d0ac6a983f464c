"""`memem consolidate` as a person runs it, and the daemon's idle pass: who judges (the rules, or the
miner's model), what is folded and proposed, and that a model out of reach leaves the rules to decide."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from memem.daemon.idle import QUIET, IdleWork
from memem.memory.service import MemoryService
from memem.sync.loop import SyncLoop
from memem.testing import write_note
from tests.cli.test_cli import run

NOTES = [  # (name, body, extra properties)
    ("Cache keys", "Cache keys include the schema version.", {"reviewed": "2026-11-02"}),
    ("Cache keys copy", "cache keys include the schema version", {"source_type": "mined"}),
    ("Retry webhooks", "The payments service retries a failed webhook three times before giving up.", {}),
    ("Webhooks retried", "Payments retries each failed webhook up to three times, then gives up.", {}),
]


def plant(vault: Path) -> None:
    for n, (name, body, extra) in enumerate(NOTES):
        props = {"source_type": "user", "created": "2026-11-01", **extra}
        write_note(vault, name, body, id=f"n{n}", title=name.removesuffix(" copy"), project="shop", **props)


@pytest.fixture
def vault(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEMEM_MINER", "offline")  # whatever this machine has: no model unless a test gives one
    vault = tmp_path / "vault"
    assert run(capsys, "init", str(vault))[0] == 0
    plant(vault)
    return vault


def test_consolidate_folds_the_safe_proposes_the_rest_and_decides(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--vault", str(vault), "consolidate")
    assert code == 0
    assert "folded   n1 into n0" in out
    # (the starter vault's own example contradiction is proposed too)
    (proposed,) = [line for line in out.splitlines() if line.startswith("proposed ") and "n2" in line]
    key = proposed.split()[1]
    assert "n2, n3" in proposed or "n3, n2" in proposed
    assert "1 folded, 2 proposed" in out and "judged by" not in out  # the rules alone: no model here
    assert (vault / "memem" / "proposals" / f"{key}.md").exists()

    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "--list")
    assert code == 0 and key in out
    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "accept", key)
    assert code == 0 and out.startswith(f"accepted {key}")
    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "--list")
    assert key not in out and len(out.strip().splitlines()) == 1
    code, _, _ = run(capsys, "--vault", str(vault), "consolidate", "accept")
    assert code == 2


def test_a_model_out_of_reach_leaves_the_rules_and_rules_only_asks_none(
    vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMEM_MINER", "api")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: refused at once
    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "--rules-only", "--no-apply", "--json")
    report = json.loads(out)
    assert code == 0 and (report["judge"], report["asked"]) == ("rules", 0)

    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "--no-apply", "--json")
    report = json.loads(out)
    assert code == 0 and report["judge"] == "claude"
    assert report["asked"] >= 1 and report["answered"] == 0  # asked, unanswered: the rules decided
    assert {p["reason"] for p in report["proposed"]} == {"duplicate", "near-duplicate", "contradicted"}

    monkeypatch.setenv("MEMEM_JUDGE", "rules")
    code, out, _ = run(capsys, "--vault", str(vault), "consolidate", "--no-apply", "--json")
    assert json.loads(out)["asked"] == 0


def test_the_daemon_consolidates_when_idle_at_most_as_often_as_set(service: MemoryService, fresh_vault: Path) -> None:
    plant(fresh_vault)
    loop = SyncLoop(service.store, quiet=0.05)
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while loop.state.phase != "watching" and time.monotonic() < deadline:
            time.sleep(0.05)
        idle = IdleWork(service, loop, every_hours=24)
        now = time.time()
        assert not idle.due(now)  # just started: not quiet for long enough yet
        assert idle.due(now + QUIET + 1)  # quiet, and never consolidated
        idle.run_once()
        assert service.store.catalog.by_id("n1")[0].status == "deprecated"  # the safe fold, done idle
        assert not idle.due(now + QUIET + 1)  # done today
        assert idle.due(now + 25 * 3600)
        applied = loop.state.events_applied
        write_note(fresh_vault, "An edit", "Written while the daemon watches.", id="edit")
        while loop.state.events_applied == applied and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not idle.due(now + 25 * 3600)  # an edit meanwhile: idle again only after QUIET seconds
        assert idle.due(now + 25 * 3600 + QUIET + 1)
    finally:
        loop.stop()
