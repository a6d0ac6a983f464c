"""The same lesson saved many times at once is written once: the duplicate check and the write are one
critical section. Real concurrency: threads on one service, `asyncio.gather` over the `mcp` SDK's
client (the tools run in worker threads, as in the daemon), and separate `memem save` processes and
an MCP client at once against a real daemon.

Before: four identical `memory_save` calls at once wrote four notes with four ids, and six imports at
once of a folder of five notes wrote 24.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from memem.daemon.mcp import build_mcp
from memem.index.store import IndexStore
from memem.memory.service import MemoryService, SaveRequest
from memem.testing import RunningDaemon

LESSON = "Run the database migrations before starting the API server, or it serves the old schema."
NOTES = {
    "Releases": "Releases are cut from main every second Tuesday after the stand-up.",
    "Reviews": "Every pull request needs two approvals before it is merged to main.",
    "Backups": "Backups run nightly at 03:00 UTC and are kept for thirty days.",
    "Cache keys": "Cache keys are prefixed with the tenant id so tenants never share an entry.",
    "Flaky upload test": "The upload test is flaky when the fixture bucket is cold; warm it in the setup.",
}


def memories(vault: Path) -> list[Path]:
    return sorted((vault / "memem" / "memories").rglob("*.md"))


def test_threads_saving_one_lesson_write_one_note(service: MemoryService, fresh_vault: Path) -> None:
    saved: list[Any] = []
    barrier = threading.Barrier(8)

    def save() -> None:
        barrier.wait()
        saved.append(service.save(SaveRequest(content=LESSON, project="shop")))

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({s.id for s in saved}) == 1 and sum(s.duplicate_of is None for s in saved) == 1
    assert len(memories(fresh_vault)) == 1 and service.store.catalog.count() == 1


def test_memory_save_at_once_over_mcp_returns_one_id(store: IndexStore, fresh_vault: Path) -> None:
    store.reconcile()
    server = build_mcp(MemoryService(store))

    async def run() -> list[Any]:
        async with Client(server) as client:
            calls = [client.call_tool("memory_save", {"content": LESSON, "project": "shop"}) for _ in range(4)]
            return list(await asyncio.gather(*calls))

    answers = anyio.run(run)
    assert not any(a.is_error for a in answers)
    assert len({a.structured_content["id"] for a in answers}) == 1
    assert sum(a.structured_content["duplicate_of"] is None for a in answers) == 1
    assert len(memories(fresh_vault)) == 1


def test_imports_of_one_folder_at_once_write_each_note_once(store: IndexStore, fresh_vault: Path) -> None:
    inbox = fresh_vault / "inbox"
    inbox.mkdir()
    for title, text in NOTES.items():
        (inbox / f"{title}.md").write_text(f"{text}\n")
    store.reconcile()
    server = build_mcp(MemoryService(store))

    async def run() -> list[Any]:
        async with Client(server) as client:
            return list(
                await asyncio.gather(*(client.call_tool("memory_import", {"path": str(inbox)}) for _ in range(6)))
            )

    answers = anyio.run(run)
    assert not any(a.is_error for a in answers)
    imported = [i["title"] for a in answers for i in a.structured_content["imported"]]
    assert sorted(imported) == sorted(NOTES)  # each once, whichever import got there first
    assert all(s["reason"].startswith("already remembered") for a in answers for s in a.structured_content["skipped"])
    assert len(memories(fresh_vault)) == len(NOTES)


def test_processes_and_an_mcp_client_at_once_against_the_daemon_write_one_note(fresh_vault: Path) -> None:
    """Other processes write through the daemon (it holds the owner lock), so its lock covers them too."""
    daemon = RunningDaemon(fresh_vault)
    try:
        daemon.wait_ready()
        command = [sys.executable, "-P", "-m", "memem", "--vault", str(fresh_vault), "save", LESSON, "--json"]
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(4)]

        async def over_mcp() -> list[Any]:
            headers = {"Authorization": f"Bearer {daemon.token}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=60) as http,
                Client(streamable_http_client(f"{daemon.info.url}/mcp", http_client=http)) as client,
            ):
                return list(
                    await asyncio.gather(*(client.call_tool("memory_save", {"content": LESSON}) for _ in range(4)))
                )

        answers = anyio.run(over_mcp)
        printed = [json.loads(p.communicate(timeout=120)[0]) for p in processes]
        ids = {a.structured_content["id"] for a in answers} | {p["id"] for p in printed}
        assert len(ids) == 1 and len(memories(fresh_vault)) == 1
    finally:
        daemon.stop()
