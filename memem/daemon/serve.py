"""`memem serve`: the one process that owns a vault's indexes.

Start-up order matters: take the owner lock (a second daemon of the same state folder stops here,
naming the first), then the vault lock (a second daemon of the same vault from another MEMEM_DIR stops
here), reserve the port (a port in use stops it before any model loads), open the stores, listen,
publish `daemon.json`, start watching and reconciling, serve. Shutdown on SIGTERM or Ctrl-C runs the
same steps backwards, finishing the batch in hand.

The vault lock (`sync.lock.lock_vault`) is an `flock` on the vault folder itself, held open by the
daemon: it is per vault whatever MEMEM_DIR says, it writes nothing into the vault (nothing for a sync
to carry to another machine), and the kernel drops it when the daemon dies, even by kill -9.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from memem import __version__
from memem.client.discovery import (
    DaemonInfo,
    clear_daemon,
    clear_hook_endpoint,
    write_daemon,
    write_hook_endpoint,
)
from memem.config import Paths, load_or_create_token, private_dir, private_file
from memem.settings import settings
from memem.sync.lock import OwnerLock, lock_vault
from memem.vault.redacted_log import RedactingFormatter

if TYPE_CHECKING:
    from memem.index.store import IndexStore
    from memem.sync.loop import SyncLoop

log = logging.getLogger("memem.daemon")


class PortUnavailable(RuntimeError):
    """The port asked for with --port cannot be bound (in use, or not ours to take)."""


def reserve(host: str, port: int) -> socket.socket:
    """A socket bound to the port, not yet listening: taken before the stores open and models load."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:
        sock.close()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PortUnavailable(
            f"port {port} on {host} cannot be used: {why} (choose another --port, or omit it)"
        ) from None
    return sock


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files quote note paths and titles: each new one (after a rollover too) is 0600."""

    def _open(self) -> Any:
        private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(paths: Paths, to_stderr: bool) -> None:
    private_dir(paths.log_dir)
    private_file(paths.log_dir / "daemon.log")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    file_handler = _PrivateRotatingFileHandler(
        paths.log_dir / "daemon.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler.setFormatter(fmt)
    root.addHandler(file_handler)
    if to_stderr:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        root.addHandler(stream)
    for noisy in ("chromadb", "httpx", "uvicorn.access", "watchdog", "mcp.server.streamable_http"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def bind(host: str, port: int) -> socket.socket:
    sock = reserve(host, port)
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(paths: Paths, port: int = 0, log_to_stderr: bool = True, quiet: float = 0.1) -> int:
    """Run the daemon in this process until SIGTERM/SIGINT. Raises LockHeld if one already runs for this
    state folder, VaultServed if one runs for this vault from another, PortUnavailable for a port in use."""
    import uvicorn

    from memem.client.spawn import release_inherited_spawn_lock
    from memem.daemon.app import create_app
    from memem.daemon.connections import raise_open_files, server_limits
    from memem.daemon.context import DaemonContext
    from memem.daemon.heap import limit_heap
    from memem.daemon.idle import IdleWork
    from memem.index.store import IndexStore
    from memem.sync.loop import SyncLoop
    from memem.teams.schedule import TeamPuller

    host = "127.0.0.1"
    limit_heap()  # before the first of the daemon's threads starts
    try:
        # A command may hold the lock for a moment (a `memem status` racing the start): wait it out.
        lock = OwnerLock(paths.lock_file, "daemon").acquire(wait_for_commands=60.0)
    finally:
        release_inherited_spawn_lock()  # owner or refused: either way the spawner's work is done
    vault_fd: int | None = None
    sock: socket.socket | None = None
    try:
        vault_fd = lock_vault(paths.vault)
        sock = reserve(host, port)
        paths.ensure_state()
        setup_logging(paths, log_to_stderr)
        log.info("memem %s daemon starting for %s (pid %d)", __version__, paths.vault, os.getpid())
        before, after = raise_open_files()
        if after != before:
            log.info("open files: soft limit raised from %d to %d", before, after)
        token = load_or_create_token(paths.home)
        store = IndexStore(paths)
        log.info("embedder: %s", store.embedder.description)
        for reason in store.choice.fallback_reasons:
            log.warning("fallback embedder: %s", reason)

        def _vault_gone() -> None:
            server.should_exit = True  # nothing left to follow; the loop has logged why

        loop = SyncLoop(store, quiet=quiet, on_vault_gone=_vault_gone)
        warm = threading.Thread(target=_warm_reranker, args=(store, loop), name="memem-reranker", daemon=True)
        warm.start()
        puller = TeamPuller(paths.vault, settings().team_sync)
        ctx = DaemonContext(store=store, loop=loop, token=token, started=time.time(), teams=puller)
        app = create_app(ctx)
        sock.listen(128)
        sock.set_inheritable(True)
        actual_port = sock.getsockname()[1]
        # Bounded: how many connections, how long a request may take to arrive, how long one idles
        # (`daemon/connections.py`: any local process can connect, token or not).
        limits = server_limits(settings().http_connections)
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5, **limits
        )
        server = uvicorn.Server(config)

        # uvicorn restores the previous handlers and re-raises the signal after shutting down;
        # handlers of our own make that re-raise harmless, so the cleanup below always runs. They also
        # catch a signal that comes before uvicorn's handlers are in place (daemon.json is published
        # first, so a client may stop the daemon at once): it must stop the server, not vanish.
        def _noted(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d received", signum)
            server.should_exit = True

        signal.signal(signal.SIGTERM, _noted)
        signal.signal(signal.SIGINT, _noted)
        loop.start()
        puller.start()
        idle = IdleWork(ctx.service, loop, settings().consolidate)
        idle.start()
        info = DaemonInfo(os.getpid(), host, actual_port, str(paths.vault), time.time(), __version__)
        write_daemon(paths.daemon_file, info)
        write_hook_endpoint(paths.home, paths.vault, os.getpid(), actual_port)
        log.info("listening on http://%s:%d", host, actual_port)
        try:
            server.run(sockets=[sock])
        finally:
            vault_gone = loop.state.phase == "vault-gone"
            log.info("shutting down")
            clear_daemon(paths.daemon_file, os.getpid())
            clear_hook_endpoint(paths.home, paths.vault, os.getpid())
            puller.stop()
            idle.stop()
            loop.stop()
            warm.join(timeout=30)  # a model half loaded must not be torn down under the interpreter's exit
            store.close()
            log.info("stopped")
    finally:
        if sock is not None:
            sock.close()
        if vault_fd is not None:
            os.close(vault_fd)  # drops the vault lock
        lock.release()
    return 1 if vault_gone else 0


def _warm_reranker(store: IndexStore, loop: SyncLoop) -> None:
    """Load the cross-encoder and run it once when the first reconcile is done (not during it: a
    first full index keeps the embedder's working memory high, and the two together would pass the
    daemon's memory budget), so the first prompt of a session does not pay for loading a model or
    for measuring its speed. A search before then does both itself."""
    from memem.recall.rerank import reranker_for

    while loop.state.phase in ("starting", "reconciling"):
        time.sleep(0.5)
    if loop.state.phase != "watching":
        return  # stopping, or the vault is gone: nothing to warm up for

    reranker = reranker_for(store)
    if reranker.model is None:
        log.warning("reranking is off: %s", reranker.why_not)
        return
    reranker.model.score("warm up", ["the first run of a model allocates its buffers"])
    reranker.ms_per_token()  # the slice's budget is a time: measured now, not before the first prompt
    log.info("reranker: %s (%s)", reranker.model.description, reranker.model.origin)
