"""Playbooks: a project's briefing created from its top memories, curated by the person, shown first at
session start within its budget; and `context_assemble`, the project's own memories first."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from memem.daemon.context import DaemonHookBackend
from memem.daemon.mcp import build_mcp
from memem.errors import Refused
from memem.hooks.fallback import pinned_slice
from memem.memory.playbook import create_playbook
from memem.memory.service import MemoryService
from memem.recall.text import estimate_tokens
from memem.testing import write_note
from memem.vault.playbooks import playbook_file, read_playbook


@pytest.fixture
def shop(service: MemoryService, fresh_vault: Path) -> MemoryService:
    write_note(fresh_vault, "Team", "I work on the shop backend.", id="identity", project="shop", layer=0)
    write_note(
        fresh_vault,
        "Migrations",
        "Run alembic upgrade head before the API starts.",
        id="alembic",
        project="shop",
        importance=5,
        reviewed="2026-11-01",
    )
    write_note(fresh_vault, "Staging", "Staging is wiped every Sunday.", id="staging", project="shop")
    write_note(fresh_vault, "Old deploys", "Deploys went by FTP.", id="ftp", project="shop", status="deprecated")
    write_note(fresh_vault, "Editor", "I use vim keybindings everywhere.", id="vim")  # global
    service.store.reconcile()
    return service


def test_a_playbook_starts_from_the_projects_top_memories_and_is_never_rewritten(
    shop: MemoryService, fresh_vault: Path
) -> None:
    path = create_playbook(shop, "shop")
    assert path == playbook_file(fresh_vault, "shop")
    text = read_playbook(fresh_vault, "shop")
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert lines == [
        "- [[Team]] — I work on the shop backend.",
        "- [[Migrations]] — Run alembic upgrade head before the API starts.",
        "- [[Staging]] — Staging is wiped every Sunday.",
    ]  # pinned first, then reviewed and important; the deprecated and the global are not the project's
    with pytest.raises(Refused, match="yours to edit"):
        create_playbook(shop, "shop")
    with pytest.raises(Refused, match="no active memories"):
        create_playbook(shop, "nothing-here")


def test_a_session_starts_with_the_playbook_then_the_pinned_notes_within_the_budget(
    shop: MemoryService, fresh_vault: Path
) -> None:
    path = playbook_file(fresh_vault, "shop")
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\nplaybook: shop\n---\n\n# Shop\n\nDeploys go through the release script.\n"
        "<!-- reviewed by kim on monday, keep it short -->\n" + "\n".join(f"- point {n}" for n in range(400)),
        encoding="utf-8",
    )
    for markdown in (DaemonHookBackend(shop.store).session("shop", 600), pinned_slice(shop.paths, "shop", 600)):
        assert markdown.index("playbook for shop") < markdown.index("I work on the shop backend")
        assert "Deploys go through the release script." in markdown
        assert "reviewed by kim" not in markdown  # a hidden comment never reaches the model
        assert "…" in markdown and "point 399" not in markdown  # clipped to its share of the budget
        assert estimate_tokens(markdown) <= 620
    assert DaemonHookBackend(shop.store).session("other", 600) == ""


def test_context_assemble_puts_the_projects_own_first_and_adds_global_ones_when_it_has_few(
    shop: MemoryService, fresh_vault: Path
) -> None:
    for n, topic in enumerate(["alembic migrations order", "alembic downgrade path", "alembic branch merges"]):
        write_note(fresh_vault, f"Alembic {n}", f"Shop note about {topic}.", id=f"shop-alembic-{n}", project="shop")
    write_note(fresh_vault, "Alembic in general", "Alembic migrations are reviewed by two people.", id="global-alembic")
    write_note(fresh_vault, "Vim and alembic", "Edit alembic scripts in vim.", id="global-vim-alembic")
    shop.store.reconcile()
    server = build_mcp(shop)

    def assemble(query: str, project: str) -> list[str]:
        async def call() -> list[str]:
            async with Client(server) as client:
                answer = await client.call_tool("context_assemble", {"query": query, "project": project})
                return list(answer.structured_content["shown"])  # type: ignore[index]

        return anyio.run(call)

    rich = assemble("how do alembic migrations work here", "shop")
    assert rich[0] == "identity" and "global-alembic" not in rich  # enough of its own: no general ones
    assert {"alembic", "shop-alembic-0"} <= set(rich)
    sparse = assemble("alembic migrations review", "newproject")
    assert "global-alembic" in sparse  # a project with none of its own gets the general ones
