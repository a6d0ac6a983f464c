"""The global cap on miners, and which extractor mines."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from memem.mining.choose import choose_extractor
from memem.mining.extract_headless import HeadlessExtractor
from memem.mining.extract_offline import OfflineExtractor
from memem.mining.failures import ModelUnavailable
from memem.mining.slots import MinersBusy, miner_slot


def test_no_more_miners_than_slots_run_at_once(isolated_env: Path) -> None:
    running, most, lock = [0], [0], threading.Lock()
    errors: list[BaseException] = []

    def miner() -> None:
        try:
            with miner_slot(isolated_env, 2, wait=30):
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                time.sleep(0.3)
                with lock:
                    running[0] -= 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=miner) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and most[0] == 2


def test_a_miner_that_finds_no_slot_gives_up_in_time(isolated_env: Path) -> None:
    with miner_slot(isolated_env, 1, wait=1):
        started = time.monotonic()
        with pytest.raises(MinersBusy, match="1 mining slots"), miner_slot(isolated_env, 1, wait=0.5):
            pass
        assert 0.4 < time.monotonic() - started < 5


def test_the_choice_follows_the_setup_and_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `claude` on PATH
    assert isinstance(choose_extractor(), OfflineExtractor)
    with pytest.raises(ModelUnavailable, match="ANTHROPIC_API_KEY"):
        choose_extractor("api")
    with pytest.raises(ModelUnavailable, match="`claude` on PATH"):
        choose_extractor("claude-code")
    fake = tmp_path / "claude"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    assert isinstance(choose_extractor(), HeadlessExtractor)  # found on PATH: the sign-in pays
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert choose_extractor().name == "claude"  # a key: the API, cheapest and fastest
    monkeypatch.setenv("MEMEM_MINER", "offline")
    assert choose_extractor().name == "offline"
    monkeypatch.setenv("MEMEM_MINER", "gpt")
    with pytest.raises(ModelUnavailable, match="not one of"):
        choose_extractor()
