"""Latency of MCP over stdio (`memem mcp`, as Claude Code runs it) against synthetic notes: how soon a
new `memem mcp` answers the handshake and the tool list (a daemon warm, and a first session whose
runtime is still building), and the tools' own latency.

    python -m benchmarks.mcp_bench [--notes 1000] [--calls 100] [--starts 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio

from benchmarks.common import percentile, print_table, stop_daemon

REPO = Path(__file__).resolve().parents[1]


def wait_until_indexed(vault: Path) -> None:
    """The daemon `memem mcp` started is reconciling the new vault; time only once it is done."""
    from memem import testing
    from memem.config import Paths

    paths = Paths.resolve(vault)
    info = testing.wait_for_vault_daemon(paths)
    if info is None:
        raise TimeoutError(f"no daemon started for {vault}")
    testing.wait_until_indexed(paths, info, poll=0.2)


def start_latency(vault: Path, starts: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Milliseconds from starting `memem mcp` to its answer to initialize, and to tools/list."""
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "b", "version": "1"}},
    }
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}  # fmt: skip
    to_init, to_tools = [], []
    for _ in range(starts):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "memem", "--vault", str(vault), "mcp"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(init).encode() + b"\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == 1
        to_init.append((time.perf_counter() - start) * 1000)
        proc.stdin.write(json.dumps(listing).encode() + b"\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["result"]["tools"]
        to_tools.append((time.perf_counter() - start) * 1000)
        proc.stdin.close()
        proc.wait(10)
    return to_init, to_tools


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--starts", type=int, default=30, help="fresh `memem mcp` processes timed to their answers")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="memem-mcp-bench-"))
    os.environ["MEMEM_DIR"] = str(work / "home")
    sys.path.insert(0, str(REPO))
    from mcp import Client, StdioServerParameters

    from benchmarks.recall_bench import questions
    from benchmarks.synthetic import generate

    vault = work / "vault"
    generate(vault, args.notes)
    params = StdioServerParameters(
        command=sys.executable, args=["-P", "-m", "memem", "--vault", str(vault), "mcp"], env=dict(os.environ)
    )
    timings: dict[str, list[float]] = {"memory_search": [], "active_memory_slice": [], "memory_get": []}

    async def run() -> float:
        start = time.perf_counter()
        async with Client(params, read_timeout_seconds=600) as client:
            connect = time.perf_counter() - start
            await anyio.to_thread.run_sync(wait_until_indexed, vault)
            qs = questions(args.calls)
            first = await client.call_tool("memory_search", {"query": str(qs[0]["query"])})
            some_id = first.structured_content["results"][0]["id"]
            for q in qs:
                for tool, arguments in (
                    ("memory_search", {"query": q["query"], "project": q["project"], "limit": 10}),
                    ("active_memory_slice", {"query": q["query"], "project": q["project"]}),
                    ("memory_get", {"ids": [some_id]}),
                ):
                    t = time.perf_counter()
                    await client.call_tool(tool, arguments)
                    timings[tool].append((time.perf_counter() - t) * 1000)
            return connect

    try:
        connect = anyio.run(run)
        warm = start_latency(vault, args.starts, dict(os.environ))
        # A first session: no runtime yet (it is "being built"), so no daemon can run; the relay
        # answers from its recording.
        pending = {**os.environ, "MEMEM_PENDING_RUNTIME": str(work / "runtime-being-built")}
        stop_daemon(work / "home")
        first = start_latency(vault, args.starts, pending)
    finally:
        stop_daemon(work / "home")
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nA new `memem mcp` process ({args.starts} starts each), ms from start to the answer, p50 / p95")
    print_table(
        [
            (
                label,
                f"{percentile(a, 0.5):.0f} / {percentile(a, 0.95):.0f}",
                f"{percentile(b, 0.5):.0f} / {percentile(b, 0.95):.0f}",
            )
            for label, (a, b) in (("daemon warm", warm), ("first session, runtime still building", first))
        ],
        ("case", "initialize", "tools/list"),
    )
    print(f"\n`memem mcp` over stdio, {args.notes:,} notes, {args.calls} calls each")
    print(f"(first connect, daemon start included: {connect:.1f} s)")
    print_table(
        [(tool, f"{percentile(v, 0.5):.1f} ms", f"{percentile(v, 0.95):.1f} ms") for tool, v in timings.items()],
        ("tool", "p50", "p95"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
