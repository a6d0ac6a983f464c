"""MCP tools that look around a memory: `memory_timeline`, `memory_list`, `memory_graph`, `memory_graph_audit`."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from memem.daemon.mcp.common import Loose, Tools, line, reading, result
from memem.memory.results import Audit, Edge, Listing, Neighbours, Timeline
from memem.recall.slice import code
from memem.recall.text import neutralise


def _edge(e: Edge) -> str:
    arrow = "→" if e.direction == "out" else "←"
    other = f"[[{neutralise(e.link)}]] (no such memory)" if e.other is None else line(e.other)
    return f"{e.kind} {arrow} {other}"


def register(mcp: MCPServer, tools: Tools) -> None:
    @mcp.tool(annotations=reading("Memory timeline"))
    async def memory_timeline(
        id: Annotated[str, Field(description="memory id")],
        around: Annotated[int, Field(ge=0, le=20, description="same-project memories to show before and after")] = 5,
    ) -> Annotated[CallToolResult, Loose]:
        """A memory's thread: what it superseded, what superseded it, its linked memories, and the
        project's memories just before and after it by date. Use to see how a decision evolved."""
        thread: Timeline = await tools.op("timeline", {"id": id, "around": around})
        lines = [f"# {line(thread.note)}"]
        for label, notes in (("Supersedes", thread.supersedes), ("Superseded by", thread.superseded_by)):
            if notes:
                lines.append(f"**{label}:** " + "; ".join(line(n) for n in notes))
        if thread.edges:
            lines.append("**Links:** " + "; ".join(_edge(e) for e in thread.edges))
        for label, notes in (("Earlier in the project", thread.before), ("Later in the project", thread.after)):
            if notes:
                lines.append(f"**{label}:**\n" + "\n".join(f"- {n.created or '?'} {line(n)}" for n in notes))
        return result("\n".join(lines), thread)

    @mcp.tool(annotations=reading("List memories"))
    async def memory_list(
        project: Annotated[
            str | None, Field(description="list this project's memories ('(global)' for global ones)")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Annotated[CallToolResult, Loose]:
        """Counts of memories per project, and the memories of one project, newest first. Use to get an overview."""
        listed: Listing = await tools.op("list", {"project": project, "limit": limit, "offset": offset})
        lines = ["| project | active | deprecated |", "|---|---|---|"]
        lines += [f"| {neutralise(p)} | {a} | {d} |" for p, (a, d) in listed.counts.items()]
        if listed.notes:
            shown = f"{listed.offset + 1}–{listed.offset + len(listed.notes)} of {listed.total}"
            lines += ["", f"Memories ({shown}):"] + [f"- {line(n)}" for n in listed.notes]
        return result("\n".join(lines), listed)

    @mcp.tool(annotations=reading("Memory graph"))
    async def memory_graph(
        id: Annotated[str, Field(description="memory id")],
        kinds: Annotated[
            list[str] | None,
            Field(description="only these link kinds (related, supports, depends_on, supersedes, contradicts, link)"),
        ] = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Typed neighbours of a memory in the link graph, both directions."""
        found: Neighbours = await tools.op("neighbors", {"id": id, "kinds": kinds})
        lines = [f"# {line(found.note)}"] + [f"- {_edge(e)}" for e in found.edges]
        if not found.edges:
            lines.append("No links.")
        return result("\n".join(lines), found)

    @mcp.tool(annotations=reading("Audit the memory graph"))
    async def memory_graph_audit() -> Annotated[CallToolResult, Loose]:
        """Health of the memory graph: orphans, dangling links, hubs, supersede cycles and unresolved
        contradictions. Use when curating, or before trusting two memories that may disagree."""
        report: Audit = await tools.op("graph_audit", {})
        lines = [f"{report.notes} memories, {report.edges} links."]
        if report.contradictions:
            pairs = "; ".join(f"{code(a.id)} vs {code(b.id)}" for a, b in report.contradictions)
            lines.append(f"**Unresolved contradictions:** {pairs}")
        if report.supersede_cycles:
            cycles = "; ".join(" → ".join(code(n.id) for n in c) for c in report.supersede_cycles)
            lines.append(f"**Supersede cycles:** {cycles}")
        if report.dangling:
            shown = "; ".join(f"{code(src.id)} → [[{neutralise(link)}]]" for src, _, link in report.dangling[:20])
            lines.append(f"**Dangling links ({len(report.dangling)}):** {shown}")
        if report.hubs:
            lines.append("**Hubs:** " + "; ".join(f"{code(r.id)} ({d})" for r, d in report.hubs[:10]))
        lines.append(f"**Orphans:** {len(report.orphans)}")
        return result("\n".join(lines), report)
