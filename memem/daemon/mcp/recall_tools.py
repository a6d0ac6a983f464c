"""MCP tools that recall: `memory_search`, `active_memory_slice`, `context_assemble`, `transcript_search`."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from memem.daemon.mcp.common import Loose, Tools, call, line, reading, result
from memem.memory.results import Summary
from memem.memory.screen import quoted, refuse_secret_name
from memem.recall.assemble import assemble
from memem.recall.query import Query
from memem.recall.search import search
from memem.recall.slice import playbook_block, render
from memem.recall.text import estimate_tokens, neutralise
from memem.vault.playbooks import read_playbook

RECALLED_BY_SEARCH = 3
"""A search's first results count as recalled (the stale rule's "shown"): a list always fills to its
limit, and its tail is what the search did not find, not what the model was looking for."""


class SearchItem(BaseModel):
    id: str
    title: str
    layer: int
    kind: str
    project: str | None
    status: str
    score: float
    snippet: str
    pinned: bool = False
    why: list[str] = []


class SearchOut(BaseModel):
    results: list[SearchItem]


class SliceOut(BaseModel):
    markdown: str
    shown: list[str]
    tokens: int


def register(mcp: MCPServer, tools: Tools) -> None:
    store = tools.service.store

    @mcp.tool(annotations=reading("Search memories"))
    async def memory_search(
        query: Annotated[str, Field(description="what you want to know, in plain words")],
        project: Annotated[str | None, Field(description="project to search in (its notes plus global ones)")] = None,
        limit: Annotated[int, Field(ge=1, le=50, description="how many results")] = 10,
        include_deprecated: Annotated[bool, Field(description="also return retired memories")] = False,
    ) -> Annotated[CallToolResult, SearchOut]:
        """Find memories relevant to a question: past decisions, conventions, bug fixes, preferences.

        Use before answering anything that may depend on earlier sessions. Returns a compact index
        (id, layer, title, one-line snippet, why it matched); fetch full text with `memory_get`.
        """
        if not query.strip():
            raise ToolError("`query` must not be empty")
        await call(refuse_secret_name, project, "`project`")
        asked = Query(query, project=project, limit=limit, include_deprecated=include_deprecated)
        hits = await call(search, store, asked)
        store.ledger.recalled([h.row.id for h in hits if not h.pinned][:RECALLED_BY_SEARCH])
        items = [SearchItem(id=h.row.id, title=h.row.title, layer=h.row.layer, kind=h.row.kind, project=h.row.project,
                            status=h.row.status, score=round(h.score, 4), snippet=h.snippet, pinned=h.pinned,
                            why=list(h.reasons)) for h in hits]  # fmt: skip
        if not items:
            return result(f"No memories match {quoted(query, 'that query')}.", SearchOut(results=[]))
        lines = [
            f"{'📌' if h.pinned else f'{n}.'} {line(Summary.of(h.row))} — {neutralise(h.snippet)}"
            for n, h in enumerate(hits, 1)
        ]
        return result("\n".join(lines), SearchOut(results=items))

    @mcp.tool(annotations=reading("Active memory slice"))
    async def active_memory_slice(
        query: Annotated[str, Field(description="the task or question at hand")],
        project: Annotated[str | None, Field(description="current project (its layer-0 notes are pinned)")] = None,
        budget: Annotated[int, Field(ge=50, le=20000, description="token budget")] = 600,
    ) -> Annotated[CallToolResult, SliceOut]:
        """The compact working memory for a task: pinned identity notes, open contradictions and the
        most relevant memories, within a token budget. Use at the start of a task."""
        await call(refuse_secret_name, project, "`project`")  # the slice's heading names it
        hits = await call(search, store, Query(query, project=project, limit=10, include_archive=False))
        rendered = render(hits, budget, project, with_markers=False)
        store.ledger.recalled(rendered.shown)
        out = SliceOut(markdown=rendered.markdown, shown=list(rendered.shown), tokens=rendered.tokens)
        return result(rendered.markdown or "Nothing relevant remembered.", out)

    @mcp.tool(annotations=reading("Assemble context"))
    async def context_assemble(
        query: Annotated[str, Field(description="the task or question at hand")],
        project: Annotated[str | None, Field(description="the current project")] = None,
        budget: Annotated[int, Field(ge=100, le=20000, description="token budget")] = 1200,
    ) -> Annotated[CallToolResult, SliceOut]:
        """A briefing for a task: the project's playbook, its pinned notes, and the memories most relevant to
        the task, the project's own first; global memories join when the project has few of its own. Use at
        the start of a task in a project."""
        await call(refuse_secret_name, project, "`project`")  # the briefing's headings name it
        hits = await call(assemble, store, query, project)
        playbook = read_playbook(store.paths.vault, project)
        block = playbook_block(playbook, project, budget // 2) if playbook and project else ""
        rendered = render(hits, budget - estimate_tokens(block), project, with_markers=False)
        markdown = "\n\n".join(part for part in (block, rendered.markdown) if part)
        store.ledger.recalled(rendered.shown)
        out = SliceOut(markdown=markdown, shown=list(rendered.shown), tokens=estimate_tokens(markdown))
        return result(markdown or "Nothing relevant remembered.", out)

    @mcp.tool(annotations=reading("Search transcripts"))
    async def transcript_search(
        query: Annotated[str, Field(description="words to find in past Claude Code conversations")],
        project: Annotated[str | None, Field(description="only sessions of this project")] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> Annotated[CallToolResult, Loose]:
        """Search raw Claude Code session transcripts (what was said), not memories. Use when a memory
        is missing and the detail may be in an earlier conversation."""
        found = await tools.op("transcripts", {"query": query, "project": project, "limit": limit})
        if not found:
            return result(f"No transcript turn matches {quoted(query, 'that query')}.", {"results": []})
        lines = [
            f"{n}. [{r['timestamp'] or '?'}] {r['role']} in {r['project'] or '?'} (session {r['session_id']}): "
            + neutralise(r["snippet"])
            for n, r in enumerate(found, 1)
        ]
        return result("\n".join(lines), {"results": found})
