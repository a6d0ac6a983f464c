"""memem started from a vault's root folder, as Claude Code does when the vault is the project.

Every vault has a `memem/` folder (its notes). A `python -m memem` or `python -c …` that puts the
working folder first on sys.path imports that folder instead of the package and dies with an
ImportError; memem starts every process of its own with `python -P` (and its detached ones from a
folder of their own), so the hook, the daemon it starts and `memem mcp` all work from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.config import Paths
from memem.testing import (
    INITIALIZE,
    StdioSession,
    stop_vault_daemon,
    wait_for_vault_daemon,
    wait_until_indexed,
    write_note,
)
from tests.paths import REPO

pytestmark = pytest.mark.slow
SHIM = REPO / "hooks" / "memem"


@pytest.fixture
def vault(fresh_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    write_note(fresh_vault, "Deploys", "Deploys run from the release branch only.", id="deploys", project="vault")
    monkeypatch.setenv("MEMEM_VAULT", str(fresh_vault))
    monkeypatch.setenv("MEMEM_PYTHON", sys.executable)  # the shim's interpreter (no runtime build here)
    monkeypatch.chdir(fresh_vault)
    assert (Path.cwd() / "memem").is_dir()  # the folder that would shadow the package
    yield fresh_vault
    stop_vault_daemon(Paths.resolve(fresh_vault))


def run_hook(command: list[str], event: str, vault: Path) -> subprocess.CompletedProcess[str]:
    data = json.dumps({"session_id": "s", "hook_event_name": event, "cwd": str(vault), "prompt": "how do deploys run?"})
    return subprocess.run(
        [*command, "hook", event], input=data, capture_output=True, text=True, timeout=60, cwd=vault, env=os.environ
    )


def hooks_log() -> str:
    path = Path(os.environ["MEMEM_DIR"]) / "logs" / "hooks.log"
    return path.read_text() if path.exists() else ""


def test_hook_daemon_and_mcp_from_the_vault_root(vault: Path) -> None:
    paths = Paths.resolve(vault)
    started = run_hook([str(SHIM)], "SessionStart", vault)  # no daemon yet: this hook starts one
    assert started.returncode == 0 and started.stderr == "", started.stderr
    assert "SessionStart done" in hooks_log() and "failed" not in hooks_log()

    daemon = wait_for_vault_daemon(paths)  # the daemon the hook spawned came up (no ImportError)
    spawn_log = (paths.log_dir / "spawn.log").read_text() if (paths.log_dir / "spawn.log").exists() else ""
    assert daemon is not None, spawn_log
    assert "Error" not in spawn_log
    assert Path(f"/proc/{daemon.pid}/cwd").resolve() == paths.state.resolve()  # a folder of its own
    wait_until_indexed(paths, daemon)  # up is not indexed: the prompt below must find the note

    prompt = run_hook([sys.executable, "-P", "-m", "memem"], "UserPromptSubmit", vault)
    assert prompt.returncode == 0 and "`deploys`" in prompt.stdout, prompt.stdout + hooks_log()

    session = StdioSession(vault, cwd=vault, entry=[str(SHIM)])
    try:
        assert session.request(INITIALIZE)["result"]["serverInfo"]["name"] == "memem"
        found = session.request({
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "memory_search", "arguments": {"query": "which branch do deploys run from"}},
        })  # fmt: skip
        assert found["result"]["structuredContent"]["results"][0]["id"] == "deploys"
        session.close_stdin()
        assert session.proc.wait(timeout=5) == 0
    finally:
        session.kill()


@pytest.mark.parametrize("pythonpath", [":", "/nonexistent:", ":/nonexistent", "."])
def test_an_empty_or_relative_pythonpath_entry_does_not_bring_the_working_folder_back(
    tmp_path: Path, pythonpath: str
) -> None:
    """`export PYTHONPATH=$PYTHONPATH:/x` with PYTHONPATH unset leaves an empty entry, which Python
    reads as the working folder even under -P: a `memem/` package there must still not be imported."""
    planted = tmp_path / "memem"
    planted.mkdir()
    (planted / "__init__.py").write_text("raise SystemExit('the working folder was imported')\n")
    (planted / "__main__.py").write_text("raise SystemExit('the working folder was imported')\n")
    env = {**os.environ, "PYTHONPATH": pythonpath, "MEMEM_PYTHON": sys.executable, "MEMEM_DIR": str(tmp_path / "st")}
    done = subprocess.run([str(SHIM), "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert done.returncode == 0 and "working folder" not in done.stderr, done.stderr
    assert "usage" in done.stdout.lower()
