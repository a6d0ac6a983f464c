"""`memem mcp` driven by the MCP Inspector's command-line mode: a client nobody here wrote.

Needs the npm packages of tests/e2e (installed by `make setup`); fails loudly when they are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.config import Paths
from memem.testing import stop_vault_daemon, write_note
from tests.paths import REPO

pytestmark = pytest.mark.slow
INSPECTOR = REPO / "tests" / "e2e" / "node_modules" / ".bin" / "mcp-inspector"


@pytest.fixture
def vault(fresh_vault: Path) -> Iterator[Path]:
    write_note(fresh_vault, "Deploys", "Deploys run from the release branch only.", id="deploys", project="shop")
    yield fresh_vault
    paths = Paths.resolve(fresh_vault)
    stop_vault_daemon(paths)


def inspector(vault: Path, tmp_path: Path, *method_args: str) -> Any:
    assert INSPECTOR.exists(), "run `make setup` (npm install in tests/e2e) first"
    env_args = [item for key in ("MEMEM_DIR", "HOME") for item in ("-e", f"{key}={os.environ[key]}")]
    cmd = [
        str(INSPECTOR), "--cli", *env_args, *method_args,
        "--", sys.executable, "-P", "-m", "memem", "--vault", str(vault), "mcp",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 0, f"inspector failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout[done.stdout.index("{") :])


def test_inspector_lists_tools_and_round_trips_save_search_get(vault: Path, tmp_path: Path) -> None:
    listed = inspector(vault, tmp_path, "--method", "tools/list")
    names = {tool["name"] for tool in listed["tools"]}
    assert {"memory_save", "memory_search", "memory_get", "active_memory_slice"} <= names

    saved = inspector(
        vault, tmp_path, "--method", "tools/call", "--tool-name", "memory_save",
        "--tool-arg", "content=Feature flags are read from LaunchDarkly at start-up, never per request.",
        "--tool-arg", "project=shop",
    )  # fmt: skip
    memory_id = saved["structuredContent"]["id"]
    assert not saved.get("isError")

    found = inspector(
        vault, tmp_path, "--method", "tools/call", "--tool-name", "memory_search",
        "--tool-arg", "query=how are feature flags loaded", "--tool-arg", "project=shop",
    )  # fmt: skip
    assert found["structuredContent"]["results"][0]["id"] == memory_id

    got = inspector(
        vault, tmp_path, "--method", "tools/call", "--tool-name", "memory_get", "--tool-arg", f'ids=["{memory_id}"]'
    )
    assert "LaunchDarkly" in got["structuredContent"]["memories"][0]["content"]
