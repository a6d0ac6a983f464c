"""memem's MCP server: memory tools for Claude Code and any MCP client.

The tools run inside the daemon (the one writer) and are served there over Streamable HTTP; the
stdio server Claude Code launches (`memem mcp`) relays to it. Each tool module registers a few tools;
every tool that reads or changes memories goes through the one operations table. Every result carries
markdown for the model and structured content for programs. Refusals (secrets, injection text, bad
arguments, unknown ids) come back as tool errors with the reason, never echoing the offending text.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from memem import __version__
from memem.daemon.mcp import graph_tools, memory_tools, recall_tools
from memem.daemon.mcp.common import Tools
from memem.memory.service import MemoryService
from memem.mining.transcript_search import TranscriptSearch

INSTRUCTIONS = """memem is the person's long-term memory across Claude Code sessions, kept as notes in their \
Obsidian vault. Search it before answering questions about past decisions, conventions, bugs or \
preferences (`memory_search`, then `memory_get` for full text). Save a durable lesson when you learn \
one (`memory_save`): one lesson per memory, a title that states it. When a memory turns out wrong or \
outdated, deprecate it (`memory_deprecate`) and link its successor instead of saving a contradiction."""


def build_mcp(service: MemoryService, transcripts: TranscriptSearch | None = None) -> MCPServer:
    """The MCP server for one vault's memory service."""
    mcp = MCPServer(name="memem", instructions=INSTRUCTIONS, version=__version__)
    tools = Tools(service, transcripts or TranscriptSearch())
    for module in (recall_tools, memory_tools, graph_tools):
        module.register(mcp, tools)
    return mcp
