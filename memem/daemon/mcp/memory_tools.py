"""MCP tools that read and change memories: `memory_get`, `memory_save`, `memory_import`,
`memory_link`, `memory_deprecate`, `memory_propose`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from memem.daemon.mcp.common import Loose, Tools, line, reading, result, writing
from memem.memory.results import Deprecation, ImportReport, LinkChange, Memory, Saved
from memem.recall.slice import code
from memem.recall.text import neutralise
from memem.teams.propose import Proposal

LinkKind = Literal["related", "supports", "depends_on", "supersedes", "contradicts"]


class SaveOut(BaseModel):
    id: str
    title: str
    path: str
    kind: str
    layer: int
    project: str | None
    duplicate_of: str | None = None


def register(mcp: MCPServer, tools: Tools) -> None:
    @mcp.tool(annotations=reading("Get memories"))
    async def memory_get(
        ids: Annotated[list[str], Field(min_length=1, max_length=50, description="memory ids (from search results)")],
    ) -> Annotated[CallToolResult, Loose]:
        """Full content and properties of memories, by id. Use after `memory_search` when a snippet is not enough."""
        memories: list[Memory] = await tools.op("get", {"ids": ids})
        tools.service.store.ledger.recalled(m.summary.id for m in memories)  # read by a model that asked
        parts = [
            f"## {line(m.summary)}\n" + (f"> ⚠ {m.warning}\n\n" if m.warning else "") + m.content for m in memories
        ]
        return result("\n\n".join(parts), {"memories": memories})

    @mcp.tool(annotations=writing("Save a memory"))
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
            int | None,
            Field(
                ge=0, le=3, strict=True, description="0 identity (pinned), 1 general, 2 domain (default), 3 archival"
            ),
        ] = None,
        importance: Annotated[int | None, Field(ge=1, le=5, strict=True, description="1–5, default 3")] = None,
        links: Annotated[
            dict[LinkKind, list[str]] | None, Field(description="typed links to other memories by id or title")
        ] = None,
    ) -> Annotated[CallToolResult, SaveOut]:
        """Save one durable lesson for future sessions.

        Use for decisions and their reasons, conventions, bug causes and fixes, the person's
        preferences, failure patterns. Not for chit-chat or one-off task state. Secrets are refused;
        text addressed to the model goes to quarantine for the person. If the same lesson exists
        already, its id is returned and nothing is written.
        """
        payload: dict[str, Any] = {
            "content": content, "title": title, "tags": tags or [], "project": project, "kind": kind, "layer": layer,
            "importance": importance, "links": {str(k): v for k, v in (links or {}).items()},
        }  # fmt: skip
        saved: Saved = await tools.op("save", payload)
        if saved.quarantined:
            raise ToolError(
                f"Not saved as a memory: {saved.quarantined}. It was put in quarantine ({saved.path}) for the "
                "person to review."
            )
        out = SaveOut(id=saved.id, title=saved.title, path=saved.path, kind=saved.kind, layer=saved.layer,
                      project=saved.project, duplicate_of=saved.duplicate_of)  # fmt: skip
        if saved.duplicate_of:
            known = f"**{neutralise(saved.title)}** {code(saved.id)}"
            return result(f"Already remembered as {known}; nothing new written.", out)
        return result(
            f"Saved **{saved.title}** `{saved.id}` as a {saved.kind} (layer {saved.layer}) in {saved.path}.", out
        )

    @mcp.tool(annotations=writing("Import memories"))
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
        report: ImportReport = await tools.op("import", {"path": path, "project": project}, ctx)
        lines = [f"Imported {len(report.imported)}, skipped {len(report.skipped)}."]
        lines += [f"- imported **{i['title']}** `{i['id']}`" for i in report.imported[:50]]
        lines += [f"- quarantined for the person to review: {q['path']}" for q in report.quarantined[:50]]
        lines += [f"- skipped {s['path']}: {s['reason']}" for s in report.skipped[:50]]
        return result("\n".join(lines), report)

    @mcp.tool(annotations=writing("Link memories"))
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
        change: LinkChange = await tools.op(
            "link", {"source": source, "target": target, "kind": kind, "remove": remove}
        )
        verb = "Removed" if remove else "Added"
        text = (
            f"{verb} `{change.source}` {kind} `{change.target}`."
            if change.changed
            else "Nothing to change: the link " + ("was not there." if remove else "exists already.")
        )
        return result(text, change)

    @mcp.tool(annotations=writing("Deprecate a memory", destructive=True, idempotent=True))
    async def memory_deprecate(
        id: Annotated[str, Field(description="the memory that is no longer true")],
        successor: Annotated[
            str | None, Field(description="id of the memory that replaces it (gets a supersedes link)")
        ] = None,
        reason: Annotated[str | None, Field(description="one line on why")] = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Retire a memory that is outdated or wrong: status deprecated, valid_to today, optionally a
        successor. The note stays in the vault as history but leaves recall."""
        done: Deprecation = await tools.op("deprecate", {"id": id, "successor": successor, "reason": reason})
        text = f"Deprecated {line(done.deprecated)}."
        if done.successor is not None:
            text += f" Superseded by {line(done.successor)}."
        return result(text, done)

    @mcp.tool(annotations=writing("Propose memories to the team"))
    async def memory_propose(
        ids: Annotated[list[str], Field(min_length=1, max_length=50, description="ids of the memories to propose")],
        team: Annotated[str | None, Field(description="the team vault; omit when the vault holds one team")] = None,
    ) -> Annotated[CallToolResult, Loose]:
        """Propose memories to a team vault for review: each is screened for secrets and instructions to
        a model, the rest are committed to a new branch of the team's git repository and pushed, for
        the team to review as a pull request. Use only when the person asks to share memories with
        their team; nothing reaches the team's recall until someone merges it."""
        proposal: Proposal = await tools.op("team_propose", {"ids": ids, "team": team})
        lines = [f"Proposed {len(proposal.proposed)} to the team {proposal.team} on branch `{proposal.branch}`"
                 + (" (pushed: open a pull request)." if proposal.pushed else " (not pushed: no remote).")]  # fmt: skip
        lines += [f"- `{i}` → {p}" for i, p in proposal.proposed]
        lines += [f"- left out `{i}`: {r}" for i, r in proposal.refused]
        return result("\n".join(lines), proposal)
