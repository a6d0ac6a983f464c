"""Helpers that drive real memem for tests and benchmarks: note factories, daemon processes, `memem mcp`.

Shipped in the package (as `datasette.utils.testing` is) because both the test suite and the
benchmarks use them, and neither should import the other. Nothing in memem imports this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memem.client.discovery import DaemonInfo, read_daemon
from memem.client.http import DaemonUnavailable, call
from memem.config import Paths, load_or_create_token
from memem.sync.lock import pid_alive
from memem.vault import frontmatter


def note_text(body: str = "", **props: Any) -> str:
    """A note's text: properties in the given order, then the body."""
    return f"---\n{frontmatter.dump(props)}---\n\n{textwrap.dedent(body).strip()}\n"


def write_note(vault: Path, name: str, body: str = "", folder: str = "memem/memories", **props: Any) -> Path:
    """Write a note into a vault's memories folder (its id from its name unless given)."""
    path = vault / folder / (name if name.endswith(".md") else f"{name}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    props.setdefault("id", name.removesuffix(".md").lower().replace(" ", "-"))
    path.write_text(note_text(body, **props), encoding="utf-8")
    return path


class CountingEmbedder:
    """An embedder that counts the texts it embeds (to prove what is and is not re-embedded)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.description = inner.description
        self.cosine_baseline = inner.cosine_baseline
        self.texts: list[str] = []
        if hasattr(inner, "embed_tokens"):  # only as capable as what it wraps (the hash fallback has none)
            self.embed_tokens = self._embed_tokens
            self.embed_query_tokens = self._embed_query_tokens

    def _embed_tokens(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self.inner.embed_tokens(texts)

    def _embed_query_tokens(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self.inner.embed_query_tokens(texts)

    def embed(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self.inner.embed(texts)

    def embed_query(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self.inner.embed_query(texts)


class RunningDaemon:
    def __init__(self, vault: Path, extra_env: dict[str, str] | None = None, open_files: int | None = None) -> None:
        """`open_files`: the soft limit on open files the daemon starts with (as a low `ulimit -n` would)."""
        self.paths = Paths.resolve(vault)
        env = {**os.environ, **(extra_env or {})}
        self.log = open(self.paths.home / f"serve-{time.time_ns()}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "memem", "--vault", str(vault), "serve", "--quiet"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
            preexec_fn=None if open_files is None else lambda: _limit_open_files(open_files),
        )  # fmt: skip
        self.info = self.wait_for_info()
        self.token = load_or_create_token(self.paths.home)

    def wait_for_info(self, timeout: float = 60) -> DaemonInfo:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}: {self.log_text()}")
            info = read_daemon(self.paths.daemon_file, self.paths.lock_file)
            if info is not None and info.pid == self.proc.pid:
                return info
            time.sleep(0.05)
        raise TimeoutError("daemon did not publish daemon.json")

    def log_text(self) -> str:
        """The daemon's own log file (with --quiet nothing goes to stderr except a crash)."""
        log = self.paths.log_dir / "daemon.log"
        return (log.read_text(errors="replace") if log.exists() else "") + Path(self.log.name).read_text(
            errors="replace"
        )

    def call(self, method: str, path: str, payload: object = None, timeout: float = 30) -> Any:
        return call(self.info.host, self.info.port, self.token, method, path, payload, timeout=timeout)

    def wait_ready(self, timeout: float = 300, poll: float = 0.1) -> dict[str, Any]:
        """`wait_until_indexed` for this daemon."""
        return wait_until_indexed(self.paths, self.info, timeout, poll)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def _limit_open_files(soft: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


@contextmanager
def ready_daemon(vault: Path, extra_env: dict[str, str] | None = None) -> Iterator[RunningDaemon]:
    """A `memem serve` that has finished its start-up reconcile, stopped (SIGTERM) on the way out."""
    running = RunningDaemon(vault, extra_env)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def wait_until_indexed(paths: Paths, info: DaemonInfo, timeout: float = 300, poll: float = 0.1) -> dict[str, Any]:
    """The daemon's status once its start-up reconcile is done and nothing awaits embedding: a daemon
    is up (daemon.json written) before it has indexed the vault.

    `poll` is the status-call interval. Benchmarks that time the reconcile poll slowly: each
    status call takes CPU from the two onnxruntime threads, and at 10 Hz that cost a quarter of
    the daemon's indexing rate (LoCoMo-dev: 12.8 s reconcile at 1 Hz, 16.1 s at 10 Hz).
    """
    token = load_or_create_token(paths.home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = call(info.host, info.port, token, "GET", "/v1/status")
        except DaemonUnavailable:
            time.sleep(0.1)
            continue
        assert isinstance(status, dict)
        if status["daemon"]["phase"] == "watching" and status["stale_vectors"] == 0:
            return status
        time.sleep(poll)
    raise TimeoutError("daemon did not finish reconciling")


def wait_for_vault_daemon(paths: Paths, timeout: float = 60) -> DaemonInfo | None:
    """The daemon some other process (a hook, `memem mcp`) started for this vault, once it is up."""
    deadline = time.monotonic() + timeout
    info = read_daemon(paths.daemon_file, paths.lock_file)
    while info is None and time.monotonic() < deadline:
        time.sleep(0.2)
        info = read_daemon(paths.daemon_file, paths.lock_file)
    return info


def _process_gone(pid: int) -> bool:
    """Whether `pid` has exited (a zombie no one has reaped yet counts: it runs nothing)."""
    if not pid_alive(pid):
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (macOS): alive as far as we can tell
    return stat.rpartition(")")[2].split()[0] == "Z"


def stop_vault_daemon(paths: Paths, timeout: float = 30) -> bool:
    """SIGTERM whatever daemon serves this vault and wait until its process has exited.

    Returns whether one was running. Tests that let a hook or `memem mcp` spawn the daemon use this to
    clean up, so no daemon outlives its test's temp folders: one still running after `timeout` (it
    removes daemon.json before it has finished stopping) is killed, and the test fails.
    """
    info = read_daemon(paths.daemon_file, paths.lock_file)
    if info is None:
        return False
    try:
        os.kill(info.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while not _process_gone(info.pid):
        if time.monotonic() >= deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGKILL)
            raise TimeoutError(f"the daemon (pid {info.pid}) did not exit within {timeout:.0f}s of SIGTERM")
        time.sleep(0.1)
    return True


INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tests", "version": "1"}},
}  # fmt: skip


class StdioSession:
    """`memem mcp` driven as Claude Code drives it: JSON-RPC lines on its stdin, answers read from stdout."""

    def __init__(
        self,
        vault: Path,
        cwd: Path | None = None,
        extra_args: tuple[str, ...] = (),
        entry: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """`entry` runs memem some other way than this interpreter's `-P -m memem` (the hook shim)."""
        self.proc = subprocess.Popen(
            [*(entry or [sys.executable, "-P", "-m", "memem"]), "--vault", str(vault), "mcp", *extra_args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env,
        )  # fmt: skip
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def receive(self, timeout: float = 60) -> dict[str, Any]:
        line = self.lines.get(timeout=timeout)
        answer = json.loads(line)
        assert isinstance(answer, dict)
        return answer

    def request(self, message: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        self.send(message)
        answer = self.receive(timeout)
        assert answer.get("id") == message["id"], answer
        return answer

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def stderr(self) -> str:
        """What it logged (only once it has exited)."""
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
