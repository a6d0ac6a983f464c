"""memem's MCP server: memory tools for Claude Code and any MCP client.

The tools run inside the daemon (the one writer) and are served there over Streamable HTTP; the
stdio server Claude Code launches (`memem mcp`) relays to it. Every result carries markdown for the
model and structured content for programs. Refusals (secrets, injection text, bad arguments,
unknown ids) come back as tool errors with the reason, never echoing the offending text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.inbound import decode_header_value
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from memem import __version__
from memem.errors import MememError
from memem.memory.importer import allowed_roots, import_path
from memem.memory.service import MemoryService, SaveRequest
from memem.mining.chat_import import mine_export
from memem.mining.transcript_search import TranscriptSearch
from memem.recall.query import Query
from memem.recall.search import search
from memem.recall.slice import render as render_slice
from memem.recall.text import neutralise, neutralise_block

INSTRUCTIONS = """memem is the person's long-term memory across Claude Code sessions, kept as notes in their \
Obsidian vault. Search it before answering questions about past decisions, conventions, bugs or \
preferences (`memory_search`, then `memory_get` for full text). Save a durable lesson when you learn \
one (`memory_save`): one lesson per memory, a title that states it. When a memory turns out wrong or \
outdated, deprecate it (`memory_deprecate`) and link its successor instead of saving a contradiction."""

T = TypeVar("T")
LinkKind = Literal["related", "supports", "depends_on", "supersedes", "contradicts"]


class Loose(BaseModel):
    """Structured content whose shape the tool's docstring describes."""

    model_config = ConfigDict(extra="allow")


class SaveOut(BaseModel):
    id: str
    title: str
    path: str
    kind: str
    layer: int
    project: str | None
    duplicate_of: str | None = None


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


def _result(markdown: str, data: BaseModel | dict[str, Any]) -> CallToolResult:
    """Every answer goes to a model: note text in it (titles, bodies, link targets, paths) is not
    screened text, so neither the markdown nor the structured content can hide text or speak as a role."""
    structured = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return CallToolResult(
        content=[TextContent(type="text", text=neutralise_block(markdown))], structured_content=_clean(structured)
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise_block(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


async def _run(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking service call off the event loop; turn expected failures into tool errors."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except MememError as exc:  # the error table (memem.errors): a tool error the model can read
        raise ToolError(str(exc)) from None


def _line(item: dict[str, Any]) -> str:
    """A memory named in a tool's answer (neutralised: a note's title is not screened text)."""
    scope = f" · {neutralise(item['project'])}" if item.get("project") else ""
    status = "" if item.get("status", "active") == "active" else f" · {item['status'].upper()}"
    kind = neutralise(str(item.get("kind", "")))
    return f"**{neutralise(item['title'])}** `{neutralise(item['id'])}` (L{item.get('layer', 2)} {kind}{scope}{status})"


def _read(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


def _write(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
    )


PROJECT_DIR_HEADER = "x-memem-project-dir"
"""Set by `memem mcp` (the stdio relay Claude Code starts in the project): the project's folder, the
one folder besides the vault and the transcripts that `memory_import` may read."""


def project_dir_of(ctx: Context[Any, Any] | None) -> str | None:
    """The calling session's project folder, when the request came through the relay."""
    try:
        request = ctx.request_context.request if ctx is not None else None
    except ValueError:  # outside a request (in-memory transports have no HTTP request)
        return None
    headers = getattr(request, "headers", None)
    # The relay sends a path that is not printable ASCII in the SDK's `=?base64?…?=` form.
    value = decode_header_value(headers.get(PROJECT_DIR_HEADER)) if headers is not None else None
    return value or None


def build_mcp(service: MemoryService, transcripts: TranscriptSearch | None = None) -> MCPServer:
    """The MCP server for one vault's memory service."""
    mcp = MCPServer(name="memem", instructions=INSTRUCTIONS, version=__version__)
    transcript_index = transcripts or TranscriptSearch()

    @mcp.tool(annotations=_read("Search memories"))
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
        hits = await _run(
            search, service.store, Query(query, project=project, limit=limit, include_deprecated=include_deprecated)
        )
        items = [SearchItem(id=h.row.id, title=h.row.title, layer=h.row.layer, kind=h.row.kind, project=h.row.project,
                            status=h.row.status, score=round(h.score, 4), snippet=h.snippet, pinned=h.pinned,
                            why=list(h.reasons)) for h in hits]  # fmt: skip
        if not items:
            return _result(f"No memories match “{query}”.", SearchOut(results=[]))
        lines = [
            f"{'📌' if i.pinned else f'{n}.'} {_line(i.model_dump())} — {neutralise(i.snippet)}"
            for n, i in enumerate(items, 1)
        ]
        return _result("\n".join(lines), SearchOut(results=items))

    @mcp.tool(annotations=_read("Get memories"))
    async def memory_get(
        ids: Annotated[list[str], Field(min_length=1, max_length=50, description="memory ids (from search results)")],
    ) -> Annotated[CallToolResult, Loose]:
        """Full content and properties of memories, by id. Use after `memory_search` when a snippet is not enough."""
        notes = await _run(service.get, ids)
        parts = [f"## {_line(n)}\n" + (f"> ⚠ {n['warning']}\n\n" if n.get("warning") else "") + n["content"]
                 for n in notes]  # fmt: skip
        return _result("\n\n".join(parts), {"memories": notes})

    @mcp.tool(annotations=_write("Save a memory"))
    async def memory_save(
        content: Annotated[str, Field(description="the lesson itself, a few sentences: what holds and why")],
        title: Annotated[str | None, Field(description="a short title that states the lesson")] = None,
        tags: Annotated[list[str] | None, Field(description="a few topic words")] = None,
        project: Annotated[str | None, Field(description="project it applies to; omit for all projects")] = None,
        kind: Annotated[
            str | None,
            Field(description="decision, convention, bugfix, preference, failure or fact; chosen for you if omitted"),
        ] = None,
        layer: Annotated[
            int | None, Field(ge=0, le=3, description="0 identity (pinned), 1 general, 2 domain (default), 3 archival")
        ] = None,
        importance: Annotated[int | None, Field(ge=1, le=5, description="1–5, default 3")] = None,
        links: Annotated[
            dict[LinkKind, list[str]] | None, Field(description="typed links to other memories by id or title")
        ] = None,
    ) -> Annotated[CallToolResult, SaveOut]:
        """Save one durable lesson for future sessions.

        Use for decisions and their reasons, conventions, bug causes and fixes, the person's
        preferences, failure patterns. Not for chit-chat or one-off task state. Secrets and text
        addressed to the model are refused. If the same lesson exists already, its id is returned
        and nothing is written.
        """
        req = SaveRequest(content=content, title=title, tags=tuple(tags or ()), project=project, kind=kind, layer=layer,
                          importance=importance, links={str(k): v for k, v in (links or {}).items()})  # fmt: skip
        saved = await _run(service.save, req)
        if saved.quarantined:
            raise ToolError(
                f"Not saved as a memory: {saved.quarantined}. It was put in quarantine ({saved.path}) for the "
                "person to review."
            )
        out = SaveOut(id=saved.id, title=saved.title, path=saved.path, kind=saved.kind, layer=saved.layer,
                      project=saved.project, duplicate_of=saved.duplicate_of)  # fmt: skip
        if saved.duplicate_of:
            return _result(f"Already remembered as **{saved.title}** `{saved.id}`; nothing new written.", out)
        return _result(
            f"Saved **{saved.title}** `{saved.id}` as a {saved.kind} (layer {saved.layer}) in {saved.path}.", out
        )

    @mcp.tool(annotations=_read("Memory timeline"))
    async def memory_timeline(
        id: Annotated[str, Field(description="memory id")],
        around: Annotated[int, Field(ge=0, le=20, description="same-project memories to show before and after")] = 5,
    ) -> Annotated[CallToolResult, Loose]:
        """A memory's thread: what it superseded, what superseded it, its linked memories, and the
        project's memories just before and after it by date. Use to see how a decision evolved."""
        data = await _run(service.timeline, id, around)
        lines = [f"# {_line(data['note'])}"]
        for label, key in (("Supersedes", "supersedes"), ("Superseded by", "superseded_by")):
            if data[key]:
                lines.append(f"**{label}:** " + "; ".join(_line(n) for n in data[key]))
        if data["neighbors"]:
            lines.append("**Links:** " + "; ".join(
                f"{e['kind']} {'→' if e['direction'] == 'out' else '←'} "
                + (f"**{e['title']}** `{e['id']}`" if not e["dangling"] else f"[[{e['link']}]] (no such memory)")
                for e in data["neighbors"]))  # fmt: skip
        for label, key in (("Earlier in the project", "project_before"), ("Later in the project", "project_after")):
            if data[key]:
                lines.append(
                    f"**{label}:**\n" + "\n".join(f"- {n.get('created') or '?'} {_line(n)}" for n in data[key])
                )
        return _result("\n".join(lines), data)

    @mcp.tool(annotations=_read("List memories"))
    async def memory_list(
        project: Annotated[
            str | None, Field(description="list this project's memories ('(global)' for global ones)")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Annotated[CallToolResult, Loose]:
        """Counts of memories per project, and the memories of one project, newest first. Use to get an overview."""
        data = await _run(service.list_memories, project, limit, offset)
        lines = ["| project | active | deprecated |", "|---|---|---|"]
        lines += [f"| {p} | {c['active']} | {c['deprecated']} |" for p, c in data["projects"].items()]
        if data["notes"]:
            shown = f"{data['offset'] + 1}–{data['offset'] + len(data['notes'])} of {data['total']}"
            lines += ["", f"Memories ({shown}):"] + [f"- {_line(n)}" for n in data["notes"]]
        return _result("\n".join(lines), data)

    @mcp.tool(annotations=_write("Import memories"))
    async def memory_import(
        path: Annotated[str, Field(description="a file or folder: markdown/text notes, or chat exports to mine")],
        project: Annotated[str | None, Field(description="project to file the imported memories under")] = None,
        ctx: Context[Any, Any] | None = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Import memories from markdown or text files (one memory each) or folders of them, and mine
        chat exports (Claude Code .jsonl transcripts, ChatGPT or Claude.ai conversations.json). Reports
        what was imported, what was skipped and why. Only the vault, the project folder, Claude Code's
        transcript folder and folders the person configured can be read; never dotfiles, credential
        files or memem's own state."""
        roots = allowed_roots(service.paths, project_dir_of(ctx))
        report = await _run(import_path, service, Path(path), roots, project, partial(mine_export, service))
        data = report.as_dict()
        lines = [f"Imported {len(report.imported)}, skipped {len(report.skipped)}."]
        lines += [f"- imported **{i['title']}** `{i['id']}`" for i in report.imported[:50]]
        lines += [f"- quarantined for the person to review: {q['path']}" for q in report.quarantined[:50]]
        lines += [f"- skipped {s['path']}: {s['reason']}" for s in report.skipped[:50]]
        return _result("\n".join(lines), data)

    @mcp.tool(annotations=_write("Link memories"))
    async def memory_link(
        source: Annotated[str, Field(description="id of the memory the link starts from")],
        target: Annotated[str, Field(description="id of the memory it points to")],
        kind: Annotated[
            LinkKind, Field(description="supports, depends_on, related, supersedes (source is newer) or contradicts")
        ],
        remove: Annotated[bool, Field(description="remove the link instead of adding it")] = False,
    ) -> Annotated[CallToolResult, Loose]:
        """Add (or remove) a typed link between two memories. Use `supersedes` when a newer memory
        replaces an older one, `contradicts` to flag two memories that disagree for the person to review."""
        data = await _run(service.link, source, target, kind, remove)
        verb = "Removed" if remove else "Added"
        changed = data.get("removed" if remove else "added")
        text = (
            f"{verb} `{data['source']}` {kind} `{data['target']}`."
            if changed
            else "Nothing to change: the link " + ("was not there." if remove else "exists already.")
        )
        return _result(text, data)

    @mcp.tool(annotations=ToolAnnotations(title="Deprecate a memory", read_only_hint=False, destructive_hint=True,
                                          idempotent_hint=True, open_world_hint=False))  # fmt: skip
    async def memory_deprecate(
        id: Annotated[str, Field(description="the memory that is no longer true")],
        successor: Annotated[
            str | None, Field(description="id of the memory that replaces it (gets a supersedes link)")
        ] = None,
        reason: Annotated[str | None, Field(description="one line on why")] = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Retire a memory that is outdated or wrong: status deprecated, valid_to today, optionally a
        successor. The note stays in the vault as history but leaves recall."""
        data = await _run(service.deprecate, id, successor, reason)
        text = f"Deprecated {_line(data['deprecated'])}."
        if "successor" in data:
            text += f" Superseded by {_line(data['successor'])}."
        return _result(text, data)

    @mcp.tool(annotations=_read("Memory graph"))
    async def memory_graph(
        id: Annotated[str, Field(description="memory id")],
        kinds: Annotated[
            list[str] | None,
            Field(description="only these link kinds (related, supports, depends_on, supersedes, contradicts, link)"),
        ] = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Typed neighbours of a memory in the link graph, both directions."""
        data = await _run(service.neighbors, id, kinds)
        lines = [f"# {_line(data['note'])}"] + [
            f"- {e['kind']} {'→' if e['direction'] == 'out' else '←'} "
            + (f"**{e['title']}** `{e['id']}`" if not e["dangling"] else f"[[{e['link']}]] (dangling)")
            for e in data["edges"]
        ]
        if not data["edges"]:
            lines.append("No links.")
        return _result("\n".join(lines), data)

    @mcp.tool(annotations=_read("Audit the memory graph"))
    async def memory_graph_audit() -> Annotated[CallToolResult, Loose]:
        """Health of the memory graph: orphans, dangling links, hubs, supersede cycles and unresolved
        contradictions. Use when curating, or before trusting two memories that may disagree."""
        data = await _run(service.graph_audit)
        lines = [f"{data['notes']} memories, {data['edges']} links."]
        if data["contradictions"]:
            lines.append(
                "**Unresolved contradictions:** "
                + "; ".join(f"`{a['id']}` vs `{b['id']}`" for a, b in data["contradictions"])
            )
        if data["supersede_cycles"]:
            lines.append(
                "**Supersede cycles:** "
                + "; ".join(" → ".join(f"`{n['id']}`" for n in c) for c in data["supersede_cycles"])
            )
        if data["dangling"]:
            lines.append(
                f"**Dangling links ({len(data['dangling'])}):** "
                + "; ".join(f"`{d['from']['id']}` → [[{d['link']}]]" for d in data["dangling"][:20])
            )
        if data["hubs"]:
            lines.append("**Hubs:** " + "; ".join(f"`{h['id']}` ({h['degree']})" for h in data["hubs"][:10]))
        lines.append(f"**Orphans:** {len(data['orphans'])}")
        return _result("\n".join(lines), data)

    @mcp.tool(annotations=_read("Active memory slice"))
    async def active_memory_slice(
        query: Annotated[str, Field(description="the task or question at hand")],
        project: Annotated[str | None, Field(description="current project (its layer-0 notes are pinned)")] = None,
        budget: Annotated[int, Field(ge=50, le=20000, description="token budget")] = 600,
    ) -> Annotated[CallToolResult, SliceOut]:
        """The compact working memory for a task: pinned identity notes, open contradictions and the
        most relevant memories, within a token budget. Use at the start of a task."""
        hits = await _run(search, service.store, Query(query, project=project, limit=10, include_archive=False))
        rendered = render_slice(hits, budget, project, with_markers=False)
        out = SliceOut(markdown=rendered.markdown, shown=list(rendered.shown), tokens=rendered.tokens)
        return _result(rendered.markdown or "Nothing relevant remembered.", out)

    @mcp.tool(annotations=_read("Search transcripts"))
    async def transcript_search(
        query: Annotated[str, Field(description="words to find in past Claude Code conversations")],
        project: Annotated[str | None, Field(description="only sessions of this project")] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> Annotated[CallToolResult, Loose]:
        """Search raw Claude Code session transcripts (what was said), not memories. Use when a memory
        is missing and the detail may be in an earlier conversation."""
        results = await _run(transcript_index.search, query, project, limit)
        if not results:
            return _result(f"No transcript turn matches “{query}”.", {"results": []})
        lines = [
            f"{n}. [{r['timestamp'] or '?'}] {r['role']} in {r['project'] or '?'} (session {r['session_id']}): "
            + neutralise(r["snippet"])
            for n, r in enumerate(results, 1)
        ]
        return _result("\n".join(lines), {"results": results})

    return mcp
