"""hooks/memem, the shim Claude Code runs: fast path to the daemon, Python fallback, first-run setup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memem.client.discovery import hook_endpoint_file
from memem.config import Paths
from memem.testing import RunningDaemon, stop_vault_daemon, wait_for_vault_daemon, write_note
from tests.paths import REPO

SHIM = REPO / "hooks" / "memem"
PROMPT = "How do we install Python dependencies in shop?"


def shim(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SHIM), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def event(prompt: str, cwd: Path) -> str:
    return json.dumps({"session_id": "s", "hook_event_name": "UserPromptSubmit", "prompt": prompt, "cwd": str(cwd)})


@pytest.fixture
def setup(fresh_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("MEMEM_VAULT", str(fresh_vault))
    monkeypatch.setenv("MEMEM_PYTHON", sys.executable)  # the fallback's interpreter (no runtime build here)
    write_note(
        fresh_vault,
        "Use uv",
        "shop installs Python dependencies with uv sync.",
        id="uv",
        project="shop",
        title="Use uv",
    )
    cwd = tmp_path / "shop"
    cwd.mkdir()
    return fresh_vault, cwd


def hook_log() -> str:
    path = Path(os.environ["MEMEM_DIR"]) / "logs" / "hooks.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.slow
def test_fast_path_answers_from_the_daemon_without_python(setup: tuple[Path, Path]) -> None:
    vault, cwd = setup
    daemon = RunningDaemon(vault)
    try:
        daemon.wait_ready()
        assert hook_endpoint_file(daemon.paths.home, daemon.paths.vault).exists()
        done = shim("hook", "UserPromptSubmit", stdin=event(PROMPT, cwd))
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["hookSpecificOutput"]["hookEventName"] == "UserPromptSubmit"
        assert "`uv`" in out["hookSpecificOutput"]["additionalContext"]
        log = hook_log()
        assert "answered by the daemon" in log and "UserPromptSubmit done in" not in log  # no Python hook ran
        assert shim("hook", "UserPromptSubmit", stdin=event("thanks!", cwd)).stdout == ""
    finally:
        daemon.stop()
    assert not hook_endpoint_file(daemon.paths.home, daemon.paths.vault).exists()  # removed on shutdown


@pytest.mark.slow
def test_stale_endpoint_falls_back_to_python(setup: tuple[Path, Path]) -> None:
    vault, cwd = setup
    subprocess.run([sys.executable, "-P", "-m", "memem", "index"], check=True, capture_output=True)
    paths = Paths.resolve(vault)
    endpoint = hook_endpoint_file(paths.home, paths.vault)
    endpoint.parent.mkdir(parents=True, exist_ok=True)
    endpoint.write_text(json.dumps({"pid": 999_999, "port": 9}) + "\n")  # a daemon that died long ago
    done = shim("hook", "UserPromptSubmit", stdin=event(PROMPT + " with uv sync", cwd))
    assert done.returncode == 0 and "keyword match" in done.stdout
    assert "daemon not running: asked for one" in hook_log()
    assert wait_for_vault_daemon(paths) is not None
    stop_vault_daemon(paths)


def test_disabled_hooks_print_nothing(setup: tuple[Path, Path]) -> None:
    _, cwd = setup
    done = shim("hook", "UserPromptSubmit", stdin=event(PROMPT, cwd), env={"MEMEM_HOOKS_DISABLED": "1"})
    assert done.returncode == 0 and done.stdout == ""


def bootstrap_python() -> str:
    """A Python 3.11+ for the shim to set up with (the system one, else the one under this venv)."""
    for candidate in ("/usr/bin/python3", getattr(sys, "_base_executable", sys.executable)):
        check = [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 11))"]
        if Path(candidate).exists() and subprocess.run(check, check=False).returncode == 0:
            return candidate
    pytest.skip("no Python 3.11+ to set up with")


def start(cwd: Path) -> str:
    return json.dumps({"hook_event_name": "SessionStart", "cwd": str(cwd)})


def said(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout).get("systemMessage", "")) if done.stdout.strip() else ""


@pytest.mark.slow
def test_first_run_builds_its_runtime_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No runtime yet: the first hook starts the build, creates the vault and says both; later hooks use it."""
    monkeypatch.delenv("MEMEM_PYTHON", raising=False)
    runtime = tmp_path / "runtime"
    env = {"MEMEM_RUNTIME": str(runtime), "MEMEM_DEFAULT_VAULT": str(tmp_path / "vault"),
           "MEMEM_BOOTSTRAP_PYTHON": bootstrap_python()}  # fmt: skip
    started = time.monotonic()
    first = said(shim("hook", "SessionStart", stdin=start(tmp_path), env=env))
    assert time.monotonic() - started < 5  # returns at once; the build runs in the background
    assert "memem created its vault" in first and "setting up its Python environment" in first
    assert (tmp_path / "vault" / "memem" / "memories").is_dir()  # the vault exists in the first session
    quiet = shim("hook", "UserPromptSubmit", stdin=event(PROMPT, tmp_path), env=env)
    assert quiet.returncode == 0 and quiet.stdout == ""  # no catalog yet: nothing to recall; no second build
    deadline = time.monotonic() + 900
    while not (runtime / ".ready").exists() and time.monotonic() < deadline:
        time.sleep(1)
    setup_log = (Path(os.environ["MEMEM_DIR"]) / "logs" / "setup.log").read_text()
    assert (runtime / ".ready").exists(), setup_log
    assert setup_log.count("building memem's runtime") == 1
    again = said(shim("hook", "SessionStart", stdin=start(tmp_path), env=env))
    assert "created its vault" not in again and "setting up" not in again  # each said once
    version = subprocess.run(
        [str(runtime / "bin" / "python"), "-P", "-m", "memem", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("memem ")
    paths = Paths.resolve(tmp_path / "vault")
    wait_for_vault_daemon(paths, timeout=600)  # under load the first start can be slow; never leak it
    stop_vault_daemon(paths)


@pytest.mark.slow
def test_a_failed_build_is_said_once_with_the_fix_and_not_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No package index reachable: the build fails in seconds; the next session says why and what to do,
    once; later sessions do not start the build again."""
    monkeypatch.delenv("MEMEM_PYTHON", raising=False)
    runtime = tmp_path / "runtime"
    env = {"MEMEM_RUNTIME": str(runtime), "MEMEM_DEFAULT_VAULT": str(tmp_path / "vault"),
           "MEMEM_BOOTSTRAP_PYTHON": bootstrap_python(), "PATH": "/usr/bin:/bin",  # no uv on the way
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": os.devnull}  # fmt: skip
    assert "setting up" in said(shim("hook", "SessionStart", stdin=start(tmp_path), env=env))
    failed = runtime.with_name("runtime.failed")
    deadline = time.monotonic() + 300
    while not failed.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert failed.exists() and not (runtime / ".ready").exists()
    second = said(shim("hook", "SessionStart", stdin=start(tmp_path), env=env))
    assert "could not set up its Python environment" in second and "no package index could be reached" in second
    assert "hooks/setup-runtime" in second  # the command that builds it again, once the cause is fixed
    assert said(shim("hook", "UserPromptSubmit", stdin=event(PROMPT, tmp_path), env=env)) == ""
    assert said(shim("hook", "SessionStart", stdin=start(tmp_path), env=env)) == ""  # said once
    time.sleep(1)
    setup_log = (Path(os.environ["MEMEM_DIR"]) / "logs" / "setup.log").read_text()
    assert setup_log.count("building memem's runtime") == 1  # not started again at every session
