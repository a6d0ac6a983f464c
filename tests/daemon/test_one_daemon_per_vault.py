"""One daemon per vault, whatever MEMEM_DIR each is started with (DESIGN: "A second daemon for the same
vault refuses to start"), and a port that cannot be had refused before any model loads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memem.daemon.serve import PortUnavailable, reserve
from memem.sync.lock import VaultServed, lock_vault
from memem.testing import RunningDaemon, write_note


def test_the_vault_lock_is_per_vault_names_its_holder_and_writes_nothing_into_the_vault(fresh_vault: Path) -> None:
    before = sorted(p.relative_to(fresh_vault) for p in fresh_vault.rglob("*"))
    fd = lock_vault(fresh_vault)
    assert fd is not None
    try:
        # The same vault by another spelling (a symlink) is the same folder: refused too.
        alias = fresh_vault.parent / "alias"
        alias.symlink_to(fresh_vault, target_is_directory=True)
        for spelling in (fresh_vault, alias):
            with pytest.raises(VaultServed, match=rf"pid {os.getpid()}\b.*one daemon per vault"):
                lock_vault(spelling)
    finally:
        os.close(fd)
    again = lock_vault(fresh_vault)  # released with its fd (and by the kernel if the daemon dies)
    assert again is not None
    os.close(again)
    assert sorted(p.relative_to(fresh_vault) for p in fresh_vault.rglob("*")) == before


def test_serve_owner_refuses_a_port_in_use_or_out_of_range_before_loading_a_model(fresh_vault: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PortUnavailable, match=f"port {port}"):
            reserve("127.0.0.1", port)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("memem: not starting: port") and "in use" in done.stderr
        assert "Traceback" not in done.stderr and "embedder" not in done.stderr  # refused before the model
        assert time.monotonic() - started < 60
    finally:
        taken.close()
    for bad in ("-1", "70000", "http"):
        done = subprocess.run(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "serve", "--port", bad],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2 and "argument --port" in done.stderr and "Traceback" not in done.stderr


def test_serve_owner_a_second_daemon_from_another_memem_dir_refuses_naming_the_first(
    fresh_vault: Path, tmp_path: Path
) -> None:
    write_note(fresh_vault, "A", "alpha")
    first = RunningDaemon(fresh_vault)
    other = tmp_path / "other-memem-dir"
    other.mkdir()
    (other / "models").symlink_to(first.paths.home / "models", target_is_directory=True)
    try:
        env = {**os.environ, "MEMEM_DIR": str(other)}
        second = subprocess.run(
            [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "serve", "--quiet"],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert second.returncode == 1, second.stderr
        assert second.stderr.startswith("memem: not starting: another memem daemon")
        assert f"pid {first.proc.pid}" in second.stderr and str(first.paths.home) in second.stderr
        assert "Traceback" not in second.stderr
        assert first.proc.poll() is None  # the first one is untouched
    finally:
        assert first.stop() == 0
    # Once the first has stopped, the vault is free again (the kernel dropped the lock with its fd).
    again = RunningDaemon(fresh_vault)
    try:
        assert again.info.pid == again.proc.pid
    finally:
        assert again.stop() == 0
