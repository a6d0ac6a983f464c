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
import logging
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
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conversation:
    key: str  # stable within the export: the session or conversation id
    turns: list[Turn]


def _turn(role: str, text: str, key: str, timestamp: str | None = None) -> Turn | None:
    cleaned = clean(text)
    if not cleaned or role not in ("user", "assistant"):
        return None
    return Turn(role, cleaned, "", timestamp or None, key, None)


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
        text = "\n".join(p for p in _list(content.get("parts")) if isinstance(p, str))
        role = author.get("role")
        turn = _turn(role if isinstance(role, str) else "", text, key, _stamp(message.get("create_time")))
        if turn is not None:
            turns.append(turn)
    return turns


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _stamp(value: Any) -> str | None:
    """A message's time as given, when it is one (a string or a number), never a structure."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _claude_ai(conversation: dict[str, Any], key: str) -> list[Turn]:
    turns = []
    for message in _list(conversation.get("chat_messages")):
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        blocks = message.get("content")
        if (not isinstance(text, str) or not text.strip()) and isinstance(blocks, list):
            text = "\n".join(b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str))
        if not isinstance(text, str):
            continue
        sender = message.get("sender")
        role = {"human": "user", "assistant": "assistant"}.get(sender if isinstance(sender, str) else "", "")
        turn = _turn(role, text, key, _stamp(message.get("created_at")))
        if turn is not None:
            turns.append(turn)
    return turns


def conversations(path: Path, raw: bytes) -> list[Conversation]:
    """The conversations in an export; Refused when the file is none of the known formats.

    An export comes from anywhere, so every field is read for the type it should have and anything
    else is passed over (`"chat_messages": 5` is no messages), and JSON nested too deep for the parser
    (`[[[[…]]]]`, 200,000 deep) is refused, not a RecursionError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("not UTF-8 text") from None
    if path.suffix.lower() == ".jsonl":
        records = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue  # a torn, foreign or absurdly nested line: skip it, as the miner does
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
    except RecursionError:
        raise Refused("its JSON is nested too deep to read") from None
    items = data if isinstance(data, list) else [data]
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        named = (item.get(k) for k in ("uuid", "id", "conversation_id"))
        key = next((str(v) for v in named if isinstance(v, str | int) and not isinstance(v, bool) and v != ""), str(n))
        if "mapping" in item:
            found.append(Conversation(key, _chatgpt(item, key)))
        elif "chat_messages" in item:
            found.append(Conversation(key, _claude_ai(item, key)))
    if not found:
        raise Refused("not a chat export memem knows (Claude Code .jsonl, ChatGPT or Claude.ai conversations.json)")
    spoken = [c for c in found if any(t.role == "user" for t in c.turns)]
    if not spoken:
        raise Refused("no conversation in it has a message from the person")
    return spoken


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
        try:
            _, result = mine_turns(conversation.turns, backend, extractor, project, f"import:{conversation.key}")
        except Refused as exc:
            report["skipped"].append({"reason": f"conversation {conversation.key[:80]}: {exc}"})
            continue
        except Exception as exc:  # one conversation's surprise must not lose what the others gave
            log.exception("mining conversation %s of %s failed", conversation.key[:80], path.name)
            reason = f"conversation {conversation.key[:80]} could not be mined ({type(exc).__name__})"
            report["skipped"].append({"reason": reason})
            continue
        for key in report:
            report[key].extend(result.get(key, []))
    return report
