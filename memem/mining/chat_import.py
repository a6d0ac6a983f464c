"""Chat exports as conversations to mine: Claude Code transcripts, ChatGPT and Claude.ai exports.

`memory_import` hands a chat export here instead of copying it whole: a conversation is where
lessons come from, not a lesson itself. Three formats are read, each by its shape (not its name):
- a Claude Code session transcript (`.jsonl`, one record a line), read as the miner reads sessions;
- ChatGPT's `conversations.json`: a list of conversations, each a tree of messages (`mapping`) whose
  current branch is followed from `current_node` back to the root;
- Claude.ai's `conversations.json`: a list of conversations, each with its `chat_messages`.
Anything else is refused with a reason. Lessons are extracted and written by the same path as
mining (screens, de-duplication, quarantine), under the given project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memem.errors import Refused
from memem.memory.service import MemoryService
from memem.mining.backends import LocalBackend
from memem.mining.choose import choose_extractor
from memem.mining.miner import mine_turns
from memem.mining.transcript import Turn, clean, turns_of

MAX_CONVERSATIONS = 200


@dataclass(frozen=True)
class Conversation:
    key: str  # stable within the export: the session or conversation id
    turns: list[Turn]


def _turn(role: str, text: str, key: str, timestamp: Any = None) -> Turn | None:
    cleaned = clean(text)
    if not cleaned or role not in ("user", "assistant"):
        return None
    return Turn(role, cleaned, "", str(timestamp) if timestamp else None, key, None)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _chatgpt(conversation: dict[str, Any], key: str) -> list[Turn]:
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict):
        return []
    node_id = conversation.get("current_node")
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id] if isinstance(mapping[node_id], dict) else {}
        path.append(node)
        node_id = node.get("parent")
    turns = []
    for node in reversed(path):
        message = _dict(node.get("message"))
        author, content = _dict(message.get("author")), _dict(message.get("content"))
        parts = content.get("parts")
        text = "\n".join(p for p in parts if isinstance(p, str)) if isinstance(parts, list) else ""
        turn = _turn(str(author.get("role", "")), text, key, message.get("create_time"))
        if turn is not None:
            turns.append(turn)
    return turns


def _claude_ai(conversation: dict[str, Any], key: str) -> list[Turn]:
    turns = []
    for message in conversation.get("chat_messages") or []:
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        blocks = message.get("content")
        if (not isinstance(text, str) or not text.strip()) and isinstance(blocks, list):
            text = "\n".join(b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str))
        if not isinstance(text, str):
            continue
        role = {"human": "user", "assistant": "assistant"}.get(str(message.get("sender")), "")
        turn = _turn(role, text, key, message.get("created_at"))
        if turn is not None:
            turns.append(turn)
    return turns


def conversations(path: Path, raw: bytes) -> list[Conversation]:
    """The conversations in an export; Refused when the file is none of the known formats."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("not UTF-8 text") from None
    if path.suffix.lower() == ".jsonl":
        records = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn or foreign line: skip it, as the miner does
            if isinstance(record, dict):
                records.append(record)
        turns = turns_of(records)
        if not turns:
            raise Refused("not a Claude Code transcript (no conversation in it)")
        return [Conversation(turns[0].session_id or path.stem, turns)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Refused(f"not JSON ({exc.msg})") from None
    items = data if isinstance(data, list) else [data]
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        key = str(item.get("uuid") or item.get("id") or item.get("conversation_id") or n)
        if "mapping" in item:
            found.append(Conversation(key, _chatgpt(item, key)))
        elif "chat_messages" in item:
            found.append(Conversation(key, _claude_ai(item, key)))
    if not found:
        raise Refused("not a chat export memem knows (Claude Code .jsonl, ChatGPT or Claude.ai conversations.json)")
    return [c for c in found if any(t.role == "user" for t in c.turns)]


def mine_export(service: MemoryService, path: Path, raw: bytes, project: str | None) -> dict[str, Any]:
    """Mine every conversation of an export into memories; the report lists saved, skipped, quarantined."""
    found = conversations(path, raw)
    report: dict[str, Any] = {"saved": [], "updated": [], "skipped": [], "quarantined": []}
    if len(found) > MAX_CONVERSATIONS:
        over = len(found) - MAX_CONVERSATIONS
        report["skipped"].append({"reason": f"{over} conversations over the limit of {MAX_CONVERSATIONS} per import"})
    extractor = choose_extractor()
    backend = LocalBackend(service)
    for conversation in found[:MAX_CONVERSATIONS]:
        _, result = mine_turns(conversation.turns, backend, extractor, project, f"import:{conversation.key}")
        for key in report:
            report[key].extend(result.get(key, []))
    return report
