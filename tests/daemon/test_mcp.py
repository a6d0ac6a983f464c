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
from memem.testing import RunningDaemon, stop_vault_daemon, write_note
from tests.daemon.test_mcp_tools import TOOLS


def text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def round_trip(client: Client) -> None:
    """What a transport must carry: the tool list, a save, a search finding it, a tool error.

    Each tool's own behaviour is tested in test_mcp_tools.py; this checks the transports."""
    listed = await client.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    saved = await client.call_tool("memory_save", {
        "content": "The staging database is reset every Sunday at 02:00 UTC; keep no test data there over the weekend.",
        "project": "shop",
    })  # fmt: skip
    assert not saved.is_error, text(saved)
    new_id = saved.structured_content["id"]
    found = await client.call_tool("memory_search", {"query": "staging database reset", "project": "shop"})
    assert new_id in [r["id"] for r in found.structured_content["results"]]
    missing = await client.call_tool("memory_get", {"ids": ["no-such-id"]})
    assert missing.is_error and "no memory with id" in text(missing)


@pytest.fixture
def shop_vault(fresh_vault: Path) -> Path:
    write_note(fresh_vault, "Old staging schedule", "Staging was reset on Saturdays.", id="old-staging", project="shop")
    return fresh_vault


@pytest.fixture
def transcripts_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Claude Code config folder holding one real transcript (DRMacIver/claude-reliability, MIT)."""
    from tests.paths import TRANSCRIPTS

    home = tmp_path / "claude-config"
    folder = home / "projects" / "-tmp-demo"
    folder.mkdir(parents=True)
    source = TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
    (folder / "c64cc478.jsonl").write_bytes(source.read_bytes())
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home))
    return home


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
            await round_trip(client)

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
                await round_trip(c)

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
    (project / ".git").mkdir()  # a project: a git checkout (a plain folder is not taken as one)
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
        plain = anyio.run(call, str(other), other / "Other.md")  # a folder that is no project is no root
        assert plain.is_error and "outside the folders" in text(plain)
    finally:
        daemon.stop()
