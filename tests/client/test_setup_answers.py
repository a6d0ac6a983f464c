"""`memem mcp` in a first session: the tools are there in the first request, before the runtime exists.

The relay answers `initialize` and `tools/list` from a recording while the runtime builds; the
recording must be what the daemon answers (checked here against a live daemon), and once the runtime
is ready the very same relay process relays tool calls to the daemon.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from memem.client.setup_answers import RECORDING, SETTING_UP
from memem.config import Paths
from memem.testing import INITIALIZE, StdioSession, stop_vault_daemon
from tests.paths import REPO

VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "1999-01-01")


def bootstrap_python() -> str:
    """A Python without memem's dependencies, as on a fresh machine (the system one, else this one's base)."""
    check = "import sys, importlib.util as u; sys.exit(sys.version_info < (3, 11) or bool(u.find_spec('chromadb')))"
    for candidate in ("/usr/bin/python3", getattr(sys, "_base_executable", sys.executable)):
        if Path(candidate).exists() and subprocess.run([candidate, "-c", check], check=False).returncode == 0:
            return candidate
    pytest.skip("no Python 3.11+ without memem's dependencies here to stand for the bootstrap Python")


def live_answers(vault: Path) -> dict[str, Any]:
    """What the daemon answers, through the relay: initialize for each protocol version, and the tools."""
    answers: dict[str, Any] = {"initialize": {}}
    for version in VERSIONS:
        session = StdioSession(vault)
        try:
            result = session.request({**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": version}},
                                     timeout=120)["result"]  # fmt: skip
            answers["initialize"]["other" if version == "1999-01-01" else version] = result
            if version == "2025-06-18":
                answers["tools"] = session.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})["result"][
                    "tools"
                ]
        finally:
            session.kill()
    return answers


def test_the_recording_is_what_the_daemon_answers(fresh_vault: Path) -> None:
    try:
        live = live_answers(fresh_vault)
    finally:
        stop_vault_daemon(Paths.resolve(fresh_vault))
    if os.environ.get("RECORD_MCP_TOOLS"):
        RECORDING.write_text(json.dumps(live, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))
    assert recorded == live, "the daemon's tools changed: re-record with RECORD_MCP_TOOLS=1 pytest " + __file__


def test_a_first_session_gets_the_tools_at_once_and_calls_work_once_ready(fresh_vault: Path, tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    (runtime / "bin").mkdir(parents=True)
    env = {**os.environ, "MEMEM_PENDING_RUNTIME": str(runtime), "PYTHONPATH": str(REPO)}
    env.pop("VIRTUAL_ENV", None)
    entry = [bootstrap_python(), "-P", "-m", "memem"]
    started = time.monotonic()
    session = StdioSession(fresh_vault, cwd=tmp_path, entry=entry, env=env)
    try:
        init = session.request(INITIALIZE, timeout=10)
        tools = session.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, timeout=10)
        answered = time.monotonic() - started
        recorded = json.loads(RECORDING.read_text())
        assert init["result"] == recorded["initialize"]["2025-06-18"]
        assert tools["result"]["tools"] == recorded["tools"] and answered < 5
        call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "memory_search", "arguments": {"query": "uv"}}}  # fmt: skip
        early = session.request(call, timeout=10)["result"]
        assert early["isError"] and early["content"][0]["text"] == SETTING_UP
        # The runtime is ready (here: this test's interpreter, which has memem and its dependencies).
        python = runtime / "bin" / "python"  # a wrapper: a symlink would lose this venv's site-packages
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        python.chmod(0o755)
        (runtime / ".ready").touch()
        answer = session.request({**call, "id": 4}, timeout=180)
        assert "result" in answer, answer
        later = answer["result"]
        assert not later.get("isError"), later
    finally:
        session.kill()
        stop_vault_daemon(Paths.resolve(fresh_vault))
