"""What every MCP tool shares: running an operation off the event loop, the error table's edge, the
answer's two forms (markdown for the model, structured content for programs), and the annotations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.inbound import decode_header_value
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict

from memem.daemon.operations import OpContext, run, to_json
from memem.errors import MememError
from memem.memory.results import Summary
from memem.memory.service import MemoryService
from memem.mining.transcript_search import TranscriptSearch
from memem.recall.slice import code
from memem.recall.text import neutralise, neutralise_block

T = TypeVar("T")

PROJECT_DIR_HEADER = "x-memem-project-dir"
"""Set by `memem mcp` (the stdio relay Claude Code starts in the project): the project's folder, the
one folder besides the vault and the transcripts that `memory_import` may read."""


class Loose(BaseModel):
    """Structured content whose shape the tool's docstring describes."""

    model_config = ConfigDict(extra="allow")


class Tools:
    """The tools' view of the daemon: the memory service, the transcript index, the operations."""

    def __init__(self, service: MemoryService, transcripts: TranscriptSearch) -> None:
        self.service = service
        self.transcripts = transcripts

    def operations(self, ctx: Context[Any, Any] | None = None) -> OpContext:
        return OpContext(self.service, self.transcripts, project_dir_of(ctx))

    async def op(self, name: str, payload: dict[str, Any], ctx: Context[Any, Any] | None = None) -> Any:
        """An operation of the one table (`memem.daemon.operations`), run off the event loop."""
        return await call(run, self.operations(ctx), name, payload)


async def call(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking call off the event loop; memem's errors become tool errors the model can read."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except MememError as exc:
        raise ToolError(str(exc)) from None


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


def result(markdown: str, data: Any) -> CallToolResult:
    """Every answer goes to a model: note text in it (titles, bodies, link targets, paths) is not
    screened text, so neither the markdown nor the structured content can hide text or speak as a role."""
    structured = data.model_dump(mode="json") if isinstance(data, BaseModel) else to_json(data)
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


def line(note: Summary) -> str:
    """A memory named in a tool's answer (neutralised: a note's title is not screened text)."""
    scope = f" · {neutralise(note.project)}" if note.project else ""
    if note.team:
        scope += f" · team {neutralise(note.team)}"
    status = "" if note.status == "active" else f" · {note.status.upper()}"
    return f"**{neutralise(note.title)}** {code(note.id)} (L{note.layer} {neutralise(note.kind)}{scope}{status})"


def reading(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


def writing(title: str, destructive: bool = False, idempotent: bool = False) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=False, destructive_hint=destructive, idempotent_hint=idempotent,
        open_world_hint=False,
    )  # fmt: skip
