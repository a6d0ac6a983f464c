"""The MCP server through the `mcp` SDK's own client: in-memory, over stdio, over Streamable HTTP."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from memem.client.discovery import read_daemon
from memem.config import Paths
from memem.daemon.mcp import build_mcp
from memem.index.store import IndexStore
from memem.memory.service import MemoryService
from tests.conftest import write_note
from tests.daemon_helpers import RunningDaemon, stop_vault_daemon

TOOLS = {
    "memory_save", "memory_search", "memory_get", "memory_timeline", "memory_list", "memory_import", "memory_link",
    "memory_deprecate", "memory_graph", "memory_graph_audit", "active_memory_slice", "transcript_search",
}  # fmt: skip


def text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def exercise_every_tool(client: Client, vault: Path, transcripts_home: Path | None = None) -> dict[str, Any]:
    """Call each tool once the way a model would; return what the checks need."""
    listed = await client.list_tools()
    names = {t.name for t in listed.tools}
    assert names == TOOLS
    for tool in listed.tools:
        assert tool.description and len(tool.description) > 40, tool.name  # tells the model when to use it
        assert tool.annotations is not None and tool.annotations.read_only_hint is not None
        assert tool.output_schema is not None

    saved = await client.call_tool("memory_save", {
        "content": "The staging database is reset every Sunday at 02:00 UTC; keep no test data there over the weekend.",
        "project": "shop", "tags": ["staging"],
    })  # fmt: skip
    assert not saved.is_error, text(saved)
    new_id = saved.structured_content["id"]
    assert saved.structured_content["title"] == "The staging database is reset every Sunday at 02:00 UTC"

    found = await client.call_tool("memory_search", {"query": "when is staging wiped", "project": "shop", "limit": 3})
    assert found.structured_content["results"][0]["id"] == new_id and new_id in text(found)

    got = await client.call_tool("memory_get", {"ids": [new_id]})
    assert "02:00 UTC" in got.structured_content["memories"][0]["content"]

    linked = await client.call_tool("memory_link", {"source": new_id, "target": "old-staging", "kind": "supersedes"})
    assert not linked.is_error and linked.structured_content["added"] is True

    graph = await client.call_tool("memory_graph", {"id": new_id})
    assert [e["id"] for e in graph.structured_content["edges"]] == ["old-staging"]

    timeline = await client.call_tool("memory_timeline", {"id": new_id})
    assert [n["id"] for n in timeline.structured_content["supersedes"]] == ["old-staging"]

    listing = await client.call_tool("memory_list", {"project": "shop"})
    assert listing.structured_content["projects"]["shop"]["active"] >= 2

    deprecated = await client.call_tool("memory_deprecate", {"id": "old-staging", "reason": "moved to Sundays"})
    assert deprecated.structured_content["deprecated"]["status"] == "deprecated"

    audit = await client.call_tool("memory_graph_audit", {})
    assert audit.structured_content["notes"] >= 2

    slice_ = await client.call_tool("active_memory_slice", {"query": "staging database schedule", "project": "shop"})
    assert new_id in slice_.structured_content["shown"] and "### Relevant" in text(slice_)

    source = vault / "inbox"  # the vault is always an allowed import root (the home folder is not)
    source.mkdir(exist_ok=True)
    (source / "Backups.md").write_text("Backups run nightly at 03:00 and are kept for 30 days.\n")
    imported = await client.call_tool("memory_import", {"path": str(source), "project": "shop"})
    assert imported.structured_content["counts"] == {"imported": 1, "skipped": 0}, text(imported)

    transcripts = await client.call_tool("transcript_search", {"query": "multiply_numbers test"})
    assert not transcripts.is_error

    # errors are tool errors with a reason
    missing = await client.call_tool("memory_get", {"ids": ["no-such-id"]})
    assert missing.is_error and "no memory with id" in text(missing)
    bad = await client.call_tool("memory_save", {"content": "x", "layer": 9})
    assert bad.is_error
    return {"new_id": new_id, "transcripts": transcripts}


@pytest.fixture
def shop_vault(fresh_vault: Path) -> Path:
    write_note(fresh_vault, "Old staging schedule", "Staging was reset on Saturdays.", id="old-staging", project="shop")
    return fresh_vault


@pytest.fixture
def transcripts_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Claude Code config folder holding one real transcript (DRMacIver/claude-reliability, MIT)."""
    from tests.conftest import SHARED

    home = tmp_path / "claude-config"
    folder = home / "projects" / "-tmp-demo"
    folder.mkdir(parents=True)
    source = SHARED / "transcripts" / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
    (folder / "c64cc478.jsonl").write_bytes(source.read_bytes())
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home))
    return home


def test_in_memory_every_tool(store: IndexStore, shop_vault: Path, transcripts_home: Path) -> None:
    store.reconcile()
    server = build_mcp(MemoryService(store))

    async def run() -> dict[str, Any]:
        async with Client(server) as client:
            return await exercise_every_tool(client, shop_vault)

    result = anyio.run(run)
    found = result["transcripts"].structured_content["results"]
    assert found and "multiply_numbers" in found[0]["snippet"]


@pytest.fixture
def stop_spawned_daemon(shop_vault: Path) -> Iterator[None]:
    yield
    paths = Paths.resolve(shop_vault)
    stop_vault_daemon(paths)


@pytest.mark.slow
def test_stdio_starts_the_daemon_and_serves_every_tool(
    shop_vault: Path, transcripts_home: Path, stop_spawned_daemon: None
) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-P", "-m", "memem", "--vault", str(shop_vault), "mcp"], env=dict(os.environ)
    )

    async def run() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            await exercise_every_tool(client, shop_vault)

    anyio.run(run)
    paths = Paths.resolve(shop_vault)
    assert read_daemon(paths.daemon_file, paths.lock_file) is not None  # `memem mcp` started it


@pytest.mark.slow
def test_streamable_http_needs_the_token(shop_vault: Path, transcripts_home: Path) -> None:
    daemon = RunningDaemon(shop_vault)
    try:
        daemon.wait_ready()
        url = f"{daemon.info.url}/mcp"

        async def with_token() -> None:
            headers = {"Authorization": f"Bearer {daemon.token}"}
            async with (
                httpx2.AsyncClient(headers=headers) as http,
                Client(streamable_http_client(url, http_client=http)) as c,
            ):
                await exercise_every_tool(c, shop_vault)

        async def without_token() -> None:
            async with httpx2.AsyncClient() as http, Client(streamable_http_client(url, http_client=http)) as client:
                await client.list_tools()

        anyio.run(with_token)
        with pytest.raises(ExceptionGroup) as refused:  # the SDK's client gives up; the raw request says why
            anyio.run(without_token)
        assert refused.group_contains(MCPError)
        raw = httpx2.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
        assert raw.status_code == 401
    finally:
        daemon.stop()


def test_memory_import_reads_the_project_folder_the_relay_names(shop_vault: Path, tmp_path: Path) -> None:
    """`memem mcp` sends its session's project folder; the daemon allows imports from it, and only it."""
    project = Path.home() / "code" / "shop"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "Releases.md").write_text("Releases are cut from main every second Tuesday.\n")
    other = Path.home() / "code" / "other"
    other.mkdir(parents=True)
    (other / "Other.md").write_text("Not this session's project.\n")
    daemon = RunningDaemon(shop_vault)
    try:
        daemon.wait_ready()

        async def call(project_dir: str | None, path: Path) -> Any:
            headers = {"Authorization": f"Bearer {daemon.token}"}
            if project_dir:
                headers["X-Memem-Project-Dir"] = project_dir
            async with (
                httpx2.AsyncClient(headers=headers) as http,
                Client(streamable_http_client(f"{daemon.info.url}/mcp", http_client=http)) as client,
            ):
                return await client.call_tool("memory_import", {"path": str(path), "project": "shop"})

        without = anyio.run(call, None, project / "docs")
        assert without.is_error and "outside the folders" in text(without)
        named = anyio.run(call, str(project), project / "docs")
        assert not named.is_error and named.structured_content["counts"]["imported"] == 1, text(named)
        elsewhere = anyio.run(call, str(project), other / "Other.md")
        assert elsewhere.is_error and "outside the folders" in text(elsewhere)
        home = anyio.run(call, str(Path.home()), other / "Other.md")  # the home folder is never a project
        assert home.is_error
    finally:
        daemon.stop()
