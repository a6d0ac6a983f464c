"""What a caller sends is not handed back when it looks like a secret: not in an error that names it (an
operation, a hook event, a proposal key, a team), not in a heading that names it (a slice's project).
The convention is the one `memem get` already kept: "(not repeated: it looks like a secret)".

A fake GitHub token generated at test time (`tests/memory/corpora.py`), through the real app, the `mcp`
SDK's client and the CLI's own `main`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from starlette.testclient import TestClient

from memem.cli.main import main
from memem.daemon.app import create_app
from memem.daemon.context import DaemonContext
from memem.daemon.mcp import build_mcp
from memem.index.store import IndexStore
from memem.memory.service import MemoryService
from memem.sync.loop import SyncLoop
from memem.testing import write_note
from tests.memory.security_corpus import SECRETS

TOKEN = SECRETS["GitHub token (classic)"].split()[1]
AUTH = {"Authorization": "Bearer the-per-install-token"}


def text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


@pytest.fixture
def shop(store: IndexStore, fresh_vault: Path) -> IndexStore:
    write_note(fresh_vault, "Deploy window", "Deploys go out on Tuesdays.", id="deploys", project="shop", layer=0)
    store.reconcile()
    return store


@pytest.fixture
def client(shop: IndexStore) -> Iterator[TestClient]:
    ctx = DaemonContext(store=shop, loop=SyncLoop(shop), token="the-per-install-token", started=time.time())
    with TestClient(create_app(ctx), base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"/v1/op/{TOKEN}", {}),
        (f"/v1/hook/{TOKEN}", {}),
        ("/v1/search", {"query": "deploys", "project": TOKEN}),
        ("/v1/slice", {"query": "deploys", "project": TOKEN}),
        ("/v1/inject", {"prompt": "when do deploys go out?", "project": TOKEN}),
        ("/v1/session", {"project": TOKEN}),
        ("/v1/op/proposal_decide", {"decision": "accept", "key": TOKEN}),
        ("/v1/op/playbook_create", {"project": TOKEN}),
        ("/v1/op/get", {"ids": [TOKEN]}),
    ],
)
def test_the_http_api_does_not_repeat_a_secret(client: TestClient, path: str, body: dict[str, Any]) -> None:
    answer = client.post(path, json=body, headers=AUTH)
    assert 400 <= answer.status_code < 500, answer.text
    assert TOKEN not in answer.text and "not repeated" in answer.text, answer.text


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("active_memory_slice", {"query": "deploys", "project": TOKEN}),
        ("context_assemble", {"query": "deploys", "project": TOKEN}),
        ("memory_search", {"query": "deploys", "project": TOKEN}),
        ("memory_search", {"query": f"zzqq {TOKEN}", "project": "elsewhere"}),  # "No memories match …"
        ("transcript_search", {"query": f"zzqq {TOKEN}"}),
    ],
)
def test_the_mcp_tools_do_not_repeat_a_secret(
    shop: IndexStore, tool: str, arguments: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "no-transcripts"))
    server = build_mcp(MemoryService(shop))

    async def run() -> Any:
        async with Client(server) as client:
            return await client.call_tool(tool, arguments)

    answer = anyio.run(run)
    shown = text(answer) + str(answer.structured_content)
    assert TOKEN not in shown and "not repeated" in shown, shown
    # A project that is a name is named, as before.
    assert "for shop" in text(
        anyio.run(lambda: _call(server, "active_memory_slice", {"query": "deploys", "project": "shop"}))
    )


async def _call(server: Any, tool: str, arguments: dict[str, Any]) -> Any:
    async with Client(server) as client:
        return await client.call_tool(tool, arguments)


@pytest.mark.parametrize(
    "argv",
    [
        ["playbook", TOKEN],
        ["playbook", TOKEN, "--create"],
        ["consolidate", "accept", TOKEN],
        ["consolidate", "reject", TOKEN],
        ["team", "sync", TOKEN],
    ],
    ids=["playbook", "playbook --create", "consolidate accept", "consolidate reject", "team sync"],
)
def test_the_cli_does_not_repeat_a_secret(
    fresh_vault: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code = main(["--vault", str(fresh_vault), *argv])
    out, err = capsys.readouterr()
    assert code != 0 and TOKEN not in out + err, out + err
    assert "not repeated" in err or "[redacted" in err, err
