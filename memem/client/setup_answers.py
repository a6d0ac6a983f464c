"""What `memem mcp` answers by itself while memem's runtime is being built (a first session).

Claude Code asks for the tool list as a session starts. On a first run the daemon, which has the
tools, cannot start until the runtime is built (a minute or so); a relay that failed meanwhile would
leave the whole session without memem's tools. So while the runtime builds, the relay answers
`initialize` and `tools/list` from a recording of what the daemon itself answers (`mcp_tools.json`,
compared with the live daemon by a test), and a tool call with a tool error that says to try again
shortly. As soon as the runtime is ready, every message is relayed to the daemon as usual.
Standard library only: this runs in the bootstrap Python, before memem's dependencies exist.
"""

from __future__ import annotations

import json
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RECORDING = Path(__file__).with_name("mcp_tools.json")
SETTING_UP = (
    "memem is still setting up its Python environment (first run, about a minute); its memory tools work "
    "as soon as it is ready. Try this again shortly."
)
_recording: list[dict[str, Any]] = []


def recording() -> dict[str, Any]:
    if not _recording:
        _recording.append(json.loads(RECORDING.read_text(encoding="utf-8")))
    return _recording[0]


def answer(message: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message while the daemon cannot run yet (None: print nothing)."""
    method, request_id = message.get("method"), message.get("id")
    if "id" not in message:
        return None  # a notification (initialized, cancelled): nothing to answer
    recorded = recording()
    if method == "initialize":
        params = message.get("params")
        asked = params.get("protocolVersion") if isinstance(params, dict) else None
        results = recorded["initialize"]
        result = results.get(asked) if isinstance(asked, str) else None
        return {"jsonrpc": "2.0", "id": request_id, "result": result or results["other"]}
    if method == "tools/list":
        return {"jsonrpc": "2.0", "id": request_id, "result": {"tools": recorded["tools"]}}
    if method == "ping":
        return {"jsonrpc": "2.0", "id": request_id, "result": {}}
    if method == "tools/call":
        content = [{"type": "text", "text": SETTING_UP}]
        return {"jsonrpc": "2.0", "id": request_id, "result": {"content": content, "isError": True}}
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": f"{method}: not available yet"}}
