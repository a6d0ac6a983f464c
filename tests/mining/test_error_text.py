"""A miner's failure is said, printed, stored and logged without the secrets its text may quote: the
error Claude Code (or a service) answers with is anyone's words. `memem mine` runs as the Stop hook
runs it, a process of its own whose output is the miner's log, against a stand-in `claude` on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from memem.mining.state import MiningState
from tests.mining.test_model_path import RULES, write_session

API_KEY = "sk-ant-api03-" + "Qm4xT7vB2nK9pL5sW8dF3gH6jR1yU0cE" * 2 + "-AAAA"
PASSWORD = "password=Hunter2Secret!x"


def test_an_error_quoting_secrets_reaches_no_output_log_or_state(tmp_path: Path, isolated_env: Path) -> None:
    words = f"upstream said: {PASSWORD} while using {API_KEY}"
    result = {"type": "result", "subtype": "success", "is_error": True, "result": words, "num_turns": 1,
              "total_cost_usd": 0.01, "usage": {"input_tokens": 900, "output_tokens": 20}}  # fmt: skip
    on_path = tmp_path / "bin"
    on_path.mkdir()
    claude = on_path / "claude"  # prints what Claude Code prints for a failed call, then exits 1
    claude.write_text(f"#!/bin/sh\ncat > /dev/null\nprintf '%s\\n' '{json.dumps(result)}'\nexit 1\n")
    claude.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MEMEM_CLAUDE", "MEMEM_MINER", "ANTHROPIC_API_KEY")}
    env["PATH"] = f"{on_path}{os.pathsep}{env['PATH']}"
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    transcript = tmp_path / "projects" / "-tmp-shop" / "s1.jsonl"
    write_session(transcript, RULES[:2])
    memem = [sys.executable, "-P", "-m", "memem", "--vault", str(vault)]
    subprocess.run([*memem, "mine", "--enable"], check=True, capture_output=True, env=env)
    done = subprocess.run([*memem, "mine", "--session", str(transcript)], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    status = subprocess.run([*memem, "mine", "--status"], capture_output=True, text=True, env=env, timeout=120)
    shown = done.stdout + done.stderr + status.stdout + status.stderr
    assert "upstream said" in done.stdout or "upstream said" in done.stderr  # the failure is said...
    assert "Hunter2Secret" not in shown and API_KEY not in shown  # ...without what it quoted
    state = MiningState(isolated_env)
    stored = json.dumps([s.last_error for s in state.all()])
    state.close()
    assert "upstream said" in stored and "Hunter2Secret" not in stored and API_KEY not in stored
    logs = "".join(p.read_text(errors="replace") for p in isolated_env.rglob("*.log"))
    assert "Hunter2Secret" not in logs and API_KEY not in logs
