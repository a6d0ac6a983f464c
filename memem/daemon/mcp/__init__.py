"""memem's MCP server: memory tools for Claude Code and any MCP client.

The tools run inside the daemon (the one writer) and are served there over Streamable HTTP; the
stdio server Claude Code launches (`memem mcp`) relays to it. Each tool module registers a few tools;
every tool that reads or changes memories goes through the one operations table. Every result carries
markdown for the model and structured content for programs. Refusals (secrets, injection text, bad
arguments, unknown ids) come back as tool errors with the reason, never echoing the offending text.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from memem import __version__
from memem.daemon.mcp import graph_tools, memory_tools, recall_tools
from memem.daemon.mcp.common import Tools
from memem.memory.screen import redact
from memem.memory.service import MemoryService
from memem.mining.transcript_search import TranscriptSearch

INSTRUCTIONS = """memem is the person's long-term memory across Claude Code sessions, kept as notes in their \
Obsidian vault. Search it before answering questions about past decisions, conventions, bugs or \
preferences (`memory_search`, then `memory_get` for full text). Save a durable lesson when you learn \
one (`memory_save`): one lesson per memory, a title that states it. When a memory turns out wrong or \
outdated, deprecate it (`memory_deprecate`) and link its successor instead of saving a contradiction."""


class _Server(MCPServer):
    """The SDK's server, with a tool's failure told without the caller's values.

    The SDK answers an argument that fails validation with pydantic's text, which repeats the value
    (`input_value='ghp_…'`), and logs the failure, naming a rejected mapping key (a link kind) as a
    field. A tool's own error may repeat a path or a name. Every one of those goes to the model and
    to `daemon.log`; here it is rebuilt from field names and messages only, then redacted.
    """

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise  # its message is the SDK's generic one; the traceback is logged, redacted (serve.py)
        except ToolError as exc:
            raise ToolError(told(exc)) from None


def told(exc: ToolError) -> str:
    """A tool error's message without the arguments' values, and with any secret redacted."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'arguments'}: {err['msg']}"
            for err in cause.errors(include_url=False, include_input=False)
        )
        message = f"{str(exc).split(':', 1)[0]}: invalid arguments ({problems})"
    else:
        message = str(exc)
    return redact(message)


def build_mcp(service: MemoryService, transcripts: TranscriptSearch | None = None) -> MCPServer:
    """The MCP server for one vault's memory service."""
    mcp = _Server(name="memem", instructions=INSTRUCTIONS, version=__version__)
    tools = Tools(service, transcripts or TranscriptSearch())
    for module in (recall_tools, memory_tools, graph_tools):
        module.register(mcp, tools)
    return mcp
