"""A small HTTP/1.1 client for the daemon's loopback API, on a bare socket.

Why not urllib or httpx: this runs in every Claude Code hook, where start-up time is the budget.
`http.client` alone costs ~30 ms to import; `socket` + `json` cost ~8 ms. The daemon's API is JSON
over loopback with Content-Length responses, so the needed subset of HTTP is small.
"""

from __future__ import annotations

import json
import socket
import time

# `typing` costs a hook ~8 ms to import; annotations are strings here, so only type checkers need it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class DaemonError(RuntimeError):
    """The daemon answered with an error (status >= 400)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"daemon error {status}: {message}")


class DaemonUnavailable(ConnectionError):
    """No daemon answered (not running, or it did not respond in time)."""


class DaemonStopped(DaemonUnavailable):
    """The daemon took a long request and then stopped answering even its health checks (`watched`)."""


def _remaining(deadline: float) -> float:
    """Seconds left before `deadline` (monotonic); a TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _read_response(sock: socket.socket, deadline: float | None = None) -> tuple[int, bytes]:
    """The whole answer, by `deadline` (monotonic) at the latest: a peer that keeps sending a byte now
    and then must not hold the caller past it (a socket's own timeout is per `recv`)."""
    chunks: list[bytes] = []
    while True:
        if deadline is not None:
            sock.settimeout(_remaining(deadline))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            if not chunks:
                raise
            break  # it answered, then reset the connection (a request it did not read to the end)
        if not chunk:
            break
        chunks.append(chunk)
    raw = b"".join(chunks)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise DaemonUnavailable("incomplete response from the daemon")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        decoded, rest = [], body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            decoded.append(rest[:size])
            rest = rest[size + 2 :]
        body = b"".join(decoded)
    elif b"content-length" in headers and len(body) < int(headers[b"content-length"]):
        raise DaemonUnavailable("incomplete response from the daemon")
    return status, body


def exchange(
    host: str,
    port: int,
    token: str,
    method: str,
    path: str,
    data: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    """Send one request with a body as given and return (status, raw body), whatever the status.

    For callers that pass the daemon's answers on rather than decode them (`memem mcp` relays
    JSON-RPC messages, error answers included). Raises DaemonUnavailable when no answer comes.
    `timeout` bounds the whole exchange (connect, send, answer), not each read. A daemon that answers
    before it has read the whole request (413 for a body over its cap) and closes is still heard:
    its answer is read after the send fails.
    """
    deadline = time.monotonic() + timeout
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{extra}Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            try:
                sock.settimeout(_remaining(deadline))
                sock.sendall(head + data)
            except (BrokenPipeError, ConnectionResetError) as sent:
                try:
                    return _read_response(sock, deadline)  # it answered early, then closed: say what it said
                except (OSError, ValueError, IndexError):
                    raise sent from None
            return _read_response(sock, deadline)
    except (OSError, ValueError, IndexError) as exc:
        raise DaemonUnavailable(f"no answer from the daemon at {host}:{port} ({exc})") from exc


HEALTH_EVERY = 5.0
"""While a long request runs, how often its caller asks the daemon's health (on a connection of its own)."""
HEALTH_MISSES = 3
"""Health checks in a row left unanswered before a long request's daemon counts as hung."""


def watched(host: str, port: int, token: str, request: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
    """`request()` (an exchange allowed minutes: an import, a mining chunk), while the daemon's health is
    asked every HEALTH_EVERY seconds on a connection of its own. A daemon stopped (SIGSTOP, a debugger,
    a frozen container) still accepts connections in the kernel and would hold the caller for all those
    minutes; its event loop answers health even while the request's work runs in its threads, so
    HEALTH_MISSES unanswered in a row end the wait: DaemonStopped from a TimeoutError, as for a
    request that timed out (it may still run: callers must not send it again)."""
    import threading

    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(request())
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=run, name="memem-request", daemon=True)
    worker.start()
    misses = 0
    while True:
        worker.join(HEALTH_EVERY)
        if not worker.is_alive():
            break
        try:
            exchange(host, port, "", "GET", "/v1/health", timeout=HEALTH_EVERY)  # an open route: no token
            misses = 0
        except DaemonUnavailable:
            misses += 1
            if misses >= HEALTH_MISSES:
                raise DaemonStopped(
                    f"{misses} health checks in a row, {HEALTH_EVERY:g} s apart, went unanswered while it held "
                    "the request"
                ) from TimeoutError("health checks unanswered")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result  # type: ignore[return-value]


WATCHED_AFTER = HEALTH_EVERY * (HEALTH_MISSES + 1)
"""A request allowed longer than this is watched (`watched`); a shorter one times out first anyway."""


def call(host: str, port: int, token: str, method: str, path: str, payload: Any = None, timeout: float = 10.0) -> Any:
    """Send one request and return the decoded JSON answer. One allowed longer than WATCHED_AFTER is
    `watched`: a daemon that stops answering ends it early."""
    data = b"" if payload is None else json.dumps(payload).encode("utf-8")

    def send() -> tuple[int, bytes]:
        return exchange(host, port, token, method, path, data, timeout=timeout)

    status, body = watched(host, port, token, send) if timeout > WATCHED_AFTER else send()
    try:
        decoded = json.loads(body) if body else None
    except json.JSONDecodeError:
        decoded = {"error": body.decode("utf-8", "replace")[:500]}
    if status >= 400:
        message = decoded.get("error", "") if isinstance(decoded, dict) else str(decoded)
        raise DaemonError(status, str(message))
    return decoded
