"""How many connections the daemon holds, and for how long it waits for a request to arrive.

Any local process can connect to the loopback port, token or not, and uvicorn by itself keeps a
connection that has sent half a request (or nothing) for ever: its keep-alive timer runs only between
two requests, and every byte received cancels it. A thousand connections that sent
`GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n` and stopped used up the daemon's file descriptors, and the
hooks' real requests failed. So, here:

- a request must arrive whole (its head and its body) within REQUEST_SECONDS of the connection
  opening, or of the first byte of a later request on a kept-alive connection; a trickle of bytes
  does not restart the clock. Loopback delivers the largest request memem accepts in milliseconds;
- past `MEMEM_HTTP_CONNECTIONS` connections, the one that has waited longest on its client (still
  sending, or idle between requests) is closed to make room: a request sent whole at once is
  answered whatever the others hold, and a flood of half-sent connections only evicts itself. Only
  when every connection is busy with a request (the app at work on it) is a new one answered 503,
  by uvicorn's `limit_concurrency`;
- the soft limit on open files is raised toward the hard one (to OPEN_FILES at most), so that limit is
  not the first one met.

The guard is a subclass of uvicorn's httptools protocol, which `uvicorn[standard]` installs (chromadb
depends on it) and which uvicorn's `auto` would pick anyway; uvicorn has no deadline of its own for a
request's head or body (`h11_max_incomplete_event_size` bounds the size of a head, not its time).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)

REQUEST_SECONDS = 10.0
"""From a connection's first byte (or its opening) to its request's last: what a client gets."""
KEEP_ALIVE_SECONDS = 5
"""An idle connection between two requests is closed after this long (uvicorn's own timer)."""
OPEN_FILES = 65_536
"""The soft limit on open files the daemon asks for, at most its hard limit. Not the hard limit itself
when that is larger: the daemon's children (git, a miner) inherit it, and some tools close or scan every
possible descriptor."""


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request to arrive and a cap on connections."""

    max_connections = 256  # set per server by `guarded_protocol`

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.waiting_since: float | None = None
        """When this connection began waiting on its client (None: a request of it is being served)."""
        self._deadline: asyncio.TimerHandle | None = None

    # --- the deadline -----------------------------------------------------------------------------
    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            _tell("closed %d connection(s) whose request did not arrive within %.0f s", REQUEST_SECONDS)
            self.transport.close()

    # --- the cap ----------------------------------------------------------------------------------
    def _make_room(self) -> None:
        """Close the connections that have waited longest on their clients until this one fits."""
        over = len(self.connections) - self.max_connections
        if over <= 0:
            return
        others = [c for c in self.connections if isinstance(c, GuardedProtocol) and c is not self]
        waiting = sorted((c for c in others if c.waiting_since is not None), key=lambda c: c.waiting_since or 0.0)
        for victim in waiting[:over]:
            victim.drop()
            _tell("closed %d connection(s) waiting on their clients to stay within %d", self.max_connections)

    def drop(self) -> None:
        """Close this connection now, and stop counting it (its `connection_lost` comes a turn later)."""
        self._disarm()
        self.waiting_since = None
        self.connections.discard(self)
        if not self.transport.is_closing():
            self.transport.close()

    # --- uvicorn's protocol, with the two added -----------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.waiting_since = time.monotonic()
        self._arm()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.waiting_since = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # a kept-alive connection's next request: its own deadline, from its first byte

    def on_message_complete(self) -> None:
        self._disarm()
        self.waiting_since = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        waits = not self.pipeline  # a request queued behind this one is being served next, not waited on
        super().on_response_complete()
        if waits and not self.transport.is_closing():
            self.waiting_since = time.monotonic()


_told: dict[str, tuple[float, int]] = {}
"""Per message: when it was last logged, and how many times it happened since."""
TELL_EVERY = 60.0


def _tell(message: str, limit: float) -> None:
    """Log a connection closed, at most once a minute per kind with the count: a flood of connections
    must not become a flood of log lines."""
    last, count = _told.get(message, (0.0, 0))
    now = time.monotonic()
    if now - last < TELL_EVERY:
        _told[message] = (last, count + 1)
        return
    _told[message] = (now, 0)
    log.warning(message, count + 1, limit)


def guarded_protocol(max_connections: int) -> type[GuardedProtocol]:
    """The protocol class for one server (uvicorn takes a class): its cap on connections."""
    return type("GuardedProtocol", (GuardedProtocol,), {"max_connections": max(1, max_connections)})


def server_limits(max_connections: int) -> dict[str, Any]:
    """uvicorn.Config's arguments for these limits."""
    return {
        "http": guarded_protocol(max_connections),
        # uvicorn answers 503 when connections (this one counted) or running requests reach the limit:
        # with the cap kept by eviction, that is when every one of them is busy with a request.
        "limit_concurrency": max(1, max_connections) + 1,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }


def raise_open_files(target: int = OPEN_FILES) -> tuple[int, int]:
    """Raise this process's soft limit on open files toward its hard limit; (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:  # macOS caps it below RLIM_INFINITY: keep what there is
            log.warning("could not raise the open-files limit from %d: %s", soft, exc)
            return soft, soft
        return soft, wanted
    return soft, soft
