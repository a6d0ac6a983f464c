"""`memem team index-server`: a Chroma server for a team's vectors, behind a token.

Chroma's own server (1.x, `chroma run`) checks no credentials; its documentation puts a proxy in front
for that. This is that proxy, so a team needs one command and no Envoy: `chroma run` listens on a
private loopback port, and a small ASGI app on the public address forwards each request to it only when
it carries the team's token (`x-chroma-token`, or `Authorization: Bearer`), compared in constant time.
Run it behind TLS (a reverse proxy, or a tunnel) anywhere but loopback: the token travels with every
request.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from memem.config import load_or_create_secret, private_dir

log = logging.getLogger(__name__)

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}
TOKEN_FILE = "memem-index-token"


def chroma_executable() -> str:
    beside = Path(sys.executable).with_name("chroma")
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if found is None:
        raise RuntimeError("the `chroma` command (from the chromadb package) is not installed")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_chroma(path: Path, port: int, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """`chroma run` on a loopback port, its data in `path`; returns once it answers (or raises)."""
    import httpx

    private_dir(path)
    out = open(log_file, "ab") if log_file is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [chroma_executable(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with status {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("chroma run did not answer within 60 s")


def load_or_create_token(path: Path, given: str | None) -> str:
    """The given token, else the one kept beside the data (created once, mode 0600)."""
    return given or load_or_create_secret(path / TOKEN_FILE)


def token_gate(upstream: str, token: str) -> Any:
    """The ASGI app: requests with the token go to `upstream`; the rest get 401."""
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    expected = token.encode()
    client = httpx.AsyncClient(base_url=upstream, timeout=httpx.Timeout(120.0, connect=5.0))

    def presented(request: Request) -> bytes:
        value = request.headers.get("x-chroma-token") or ""
        auth = request.headers.get("authorization") or ""
        if not value and auth.lower().startswith("bearer "):
            value = auth[7:].strip()
        return value.encode()

    async def forward(request: Request) -> Response:
        if not hmac.compare_digest(presented(request), expected):
            return JSONResponse({"error": "missing or wrong token"}, status_code=401)
        headers = {
            k: v for k, v in request.headers.items()
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("x-chroma-token", "authorization")
        }  # fmt: skip
        answer = await client.request(
            request.method, request.url.path, params=request.query_params, content=await request.body(), headers=headers
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


def serve(path: Path, host: str, port: int, token: str | None) -> int:
    """Run `chroma run` and the token gate in front of it until interrupted."""
    import uvicorn

    secret = load_or_create_token(path, token)
    inner = free_port()
    chroma = start_chroma(path, inner, path / "chroma.log")
    try:
        where = "MEMEM_CHROMA_TOKEN" if token else f"{path / TOKEN_FILE} (give it to the team as MEMEM_CHROMA_TOKEN)"
        print(f"team index on http://{host}:{port} (Chroma at 127.0.0.1:{inner}, data in {path}); token: {where}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            print("warning: serve it behind TLS; the token travels with every request", file=sys.stderr)
        # uvicorn re-raises SIGTERM/SIGINT after shutting down, with the previous handlers back; handlers of
        # our own make that a no-op, so the `finally` below always stops the Chroma server it started.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: None)
        uvicorn.run(token_gate(f"http://127.0.0.1:{inner}", secret), host=host, port=port, log_level="warning")
    finally:
        chroma.terminate()
        try:
            chroma.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chroma.kill()
    return 0
