"""Starting the daemon for a vault another daemon already serves (one started with another MEMEM_DIR):
nothing is started, at any call, and the caller is told which daemon serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from memem.client import spawn
from memem.client.spawn import spawn_daemon, spawn_failure
from memem.config import Paths

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the vault lock, as a serving daemon holds it
print("held", flush=True)
time.sleep(120)
"""


def test_a_vault_served_from_another_memem_dir_starts_no_daemon_and_names_the_one_serving_it(
    fresh_vault: Path, isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []

    def start_detached(paths: Paths, args: list[str], *rest: Any, **kw: Any) -> None:
        started.append(args)  # a stand-in: recorded, nothing run
        return None

    monkeypatch.setattr(spawn, "start_detached", start_detached)
    other = tmp_path / "other-memem-dir"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(fresh_vault)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "MEMEM_DIR": str(other)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        paths = Paths.resolve(fresh_vault)
        for _ in range(3):  # every hook, relay call and `memem mine` asks: none starts a daemon bound to fail
            begun = time.monotonic()
            assert spawn_daemon(paths, wait=30) is None
            assert time.monotonic() - begun < 5  # at once, not after the wait
        assert started == []
        reason = spawn_failure(paths)
        assert reason is not None and reason.startswith("memem: not starting: another memem daemon")
        assert f"pid {holder.pid}" in reason and f"MEMEM_DIR={other}" in reason
        log = (paths.log_dir / "spawn.log").read_text(encoding="utf-8")
        assert log.count("another memem daemon") == 1  # said once, not at every call
    finally:
        holder.kill()
        holder.wait()
    spawn_daemon(paths, wait=0)  # the vault is free again: a daemon is started as before
    assert started == [["serve", "--quiet"]]
