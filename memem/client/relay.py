"""`memem mcp`: the stdio MCP server Claude Code launches, relaying to the daemon's `/mcp` endpoint.

The tools live in one place, the daemon (which owns the indexes and is the one writer); this process
only moves JSON-RPC messages between stdin/stdout and `http://127.0.0.1:<port>/mcp`, adding the
token. The daemon's endpoint is stateless with JSON answers, so each message is one POST and one
answer: a JSON-RPC message to print, or 202 and nothing for a notification.

Why the standard library only: Claude Code starts this process with every session and asks for the
tool list at once. The MCP SDK's client stack (anyio, httpx, pydantic) took 1.5-3.4 s to import,
long enough for the first request to find no memem tools; this starts in a few tens of ms.

The relay speaks the initialize-handshake era of MCP (what Claude Code and the MCP Inspector use):
it forwards the protocol version the daemon agreed in `initialize` on every later POST. A client
that probes `server/discover` first is told "method not found" by the daemon and falls back.

It exits as soon as stdin closes (the client went away): a closed Claude Code session must not
leave a relay behind. stdout carries the protocol only, whole messages, one per line; everything
else goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from memem.client.discovery import DaemonInfo, read_daemon
from memem.client.http import WATCHED_AFTER, DaemonUnavailable, exchange, watched
from memem.client.spawn import runtime_ready, spawn_daemon, spawn_failure
from memem.config import Paths, load_or_create_token

# `typing` costs ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

PROJECT_HEADER = "X-Memem-Project-Dir"
REQUEST_TIMEOUT = 300.0  # a tool call (an import of many files) may take minutes; silence past this is a hang
QUICK_TIMEOUT = 10.0  # everything else (the handshake, the tool list) answers at once from a healthy daemon
SLOW_METHODS = ("tools/call",)
"""The methods that may legitimately run for minutes. Any other message a hung daemon leaves unanswered
is answered with an error after QUICK_TIMEOUT, well before the client gives up on the server (~30 s)."""
EXIT_GRACE = 1.0  # after stdin closes, how long an answer already in flight may still be printed
UNAVAILABLE = -32000  # JSON-RPC "server error" range: the daemon could not be reached or failed
PARSE_ERROR = -32700


def _log(message: str) -> None:
    print(f"memem mcp: {message}", file=sys.stderr, flush=True)


def header_value(text: str) -> str:
    """`text` as an HTTP header value, the MCP SDK's way (`mcp.shared.inbound.encode_header_value`).

    Printable ASCII goes as it is; anything else (a folder name in another script, a control
    character) as `=?base64?<UTF-8 bytes>?=`, which the daemon undoes with `decode_header_value`.
    """
    sentinel = text.startswith("=?base64?") and text.endswith("?=")
    if text.isascii() and text.isprintable() and text == text.strip() and not sentinel:
        return text
    import base64

    return f"=?base64?{base64.b64encode(os.fsencode(text)).decode('ascii')}?="


def project_dir() -> str | None:
    """The folder this session works in: the git root of the working folder, else the folder itself.

    Sent with every message so the daemon can confine what a tool may read (file imports) to the
    project. None for the home folder or `/`: naming them would confine nothing.
    """
    from memem.project import git_root

    try:
        here = Path(os.getcwd())
    except OSError:  # the working folder was deleted under us
        return None
    folder = git_root(here) or here
    if folder == Path(folder.anchor) or os.path.realpath(folder) == os.path.realpath(Path.home()):
        return None
    return str(folder)


def error_answer(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class Relay:
    """Stdin to the daemon and back, one POST per message, each on a thread of its own.

    Threads so that a slow tool call does not hold up the next message, and so that the reader
    sees stdin close (and the process exits) while a call is still in flight.
    """

    def __init__(self, paths: Paths, wait: float, out_fd: int, project: str | None) -> None:
        self.paths = paths
        self.wait = wait
        self.out_fd = out_fd
        self.token = load_or_create_token(paths.home)
        self.headers = {"Accept": "application/json, text/event-stream"}
        if project is not None:
            self.headers[PROJECT_HEADER] = header_value(project)
        self.protocol_version: str | None = None
        self._info: DaemonInfo | None = None
        self._daemon_lock = threading.Lock()
        self._out_lock = threading.Lock()
        self._closed = False
        self.failure = "it is not running and did not start"

    def daemon(self, failed: DaemonInfo | None = None) -> DaemonInfo | None:
        """The daemon to talk to, started when none runs; after `failed` did not answer, look again."""
        with self._daemon_lock:
            if self._info is not None and self._info is not failed:
                return self._info
            if failed is not None:
                _log(f"the daemon (pid {failed.pid}) did not answer; looking for it again")
            self._info = spawn_daemon(self.paths, wait=self.wait)
            if self._info is None:
                reason = spawn_failure(self.paths)
                self.failure = (
                    f"it could not start: {reason} (see {self.paths.log_dir}/spawn.log)"
                    if reason
                    else f"it did not start within {self.wait:.0f}s; see {self.paths.log_dir}/spawn.log"
                )
                _log(f"the daemon {self.failure}")
            else:
                _log(f"relaying to {self._info.url}/mcp (daemon pid {self._info.pid})")
            return self._info

    def post(self, data: bytes, method: str | None) -> tuple[int, bytes]:
        """POST one message; if the daemon has gone (it died, it was restarted), find or start it once and retry."""
        headers = dict(self.headers)
        if self.protocol_version is not None and method != "initialize":
            headers["MCP-Protocol-Version"] = self.protocol_version
        timeout = REQUEST_TIMEOUT if method in SLOW_METHODS else QUICK_TIMEOUT
        info = self.daemon()
        try:
            return self._send(info, data, headers, timeout)
        except DaemonUnavailable as exc:
            if info is None or isinstance(exc.__cause__, TimeoutError):
                raise  # none came up within the wait, or a timed-out call may still run: never send it twice
            return self._send(self.daemon(failed=info), data, headers, timeout)

    def _send(self, info: DaemonInfo | None, data: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        if info is None:
            raise DaemonUnavailable(self.failure)

        def send() -> tuple[int, bytes]:
            return exchange(info.host, info.port, self.token, "POST", "/mcp", data, headers, timeout)

        return watched(info.host, info.port, self.token, send) if timeout > WATCHED_AFTER else send()

    def handle(self, line: bytes) -> None:
        """Relay one message from the client and print the daemon's answer, if any."""
        try:
            message = json.loads(line)
        except ValueError:
            self.write(error_answer(None, PARSE_ERROR, "parse error: a message is not JSON"))
            return
        is_object = isinstance(message, dict)
        method = message.get("method") if is_object else None
        request_id = message.get("id") if is_object else None
        expects_answer = is_object and isinstance(method, str) and "id" in message
        if is_object and not runtime_ready():
            # A first session: the daemon cannot run until memem's runtime is built. Answer the
            # handshake and the tool list from the recording, so the tools are there from the start.
            from memem.client import setup_answers

            local = setup_answers.answer(message)
            if local is not None:
                if method == "initialize" and "result" in local:
                    self.protocol_version = str(local["result"]["protocolVersion"])
                self.write(local)
            return
        try:
            status, body = self.post(line, method)
        except DaemonUnavailable as exc:
            _log(f"{method or 'a message'} not relayed: {exc}")
            if expects_answer:
                self.write(error_answer(request_id, UNAVAILABLE, f"memem's daemon is unavailable: {exc}"))
            return
        if not body.strip():
            if status >= 400:
                _log(f"the daemon refused {method or 'a message'} (HTTP {status})")
                if expects_answer:
                    self.write(error_answer(request_id, UNAVAILABLE, f"memem's daemon answered HTTP {status}"))
            return
        self.answer(body, status, method, request_id)

    def answer(self, body: bytes, status: int, method: str | None, request_id: Any) -> None:
        """Print the daemon's JSON-RPC answer; turn anything else (a 401 from the token guard) into one."""
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict | list) or (isinstance(answer, dict) and "jsonrpc" not in answer):
            text = body.decode("utf-8", "replace")[:300]
            _log(f"the daemon answered {method or 'a message'} with HTTP {status}: {text}")
            answer = error_answer(request_id, UNAVAILABLE, f"memem's daemon answered HTTP {status}: {text}")
        elif method == "initialize" and isinstance(answer, dict):
            version = (answer.get("result") or {}).get("protocolVersion")
            if isinstance(version, str) and version.isascii() and version.isprintable():
                self.protocol_version = version
        self.write(answer)

    def write(self, message: Any) -> None:
        """One message, one line, whole: concurrent answers never interleave."""
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        with self._out_lock:
            if self._closed:
                return
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.out_fd, view) :]
            except OSError:  # the client closed its end: nobody is listening any more
                self._closed = True

    def run(self, stdin: BinaryIO) -> None:
        """Relay until stdin closes; give answers in flight a moment, then stop writing for good."""
        workers: list[threading.Thread] = []
        for line in stdin:
            if not line.strip():
                continue
            worker = threading.Thread(target=self.handle, args=(line,), daemon=True)
            worker.start()
            workers = [w for w in workers if w.is_alive()] + [worker]
        deadline = time.monotonic() + EXIT_GRACE
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        with self._out_lock:
            self._closed = True  # a call still running past the grace answers nobody


def run(paths: Paths, wait: float) -> int:
    """Serve MCP on this process's stdin/stdout until stdin closes. Returns the exit status (0)."""
    if read_daemon(paths.daemon_file, paths.lock_file) is None:
        spawn_daemon(paths, wait=0)  # start it now, so it comes up while the client gets going
    relay = Relay(paths, wait, sys.stdout.fileno(), project_dir())
    relay.run(sys.stdin.buffer)
    return 0
