"""Reading Claude Code session transcripts (`~/.claude/projects/<project>/<session>.jsonl`).

What a lesson can come from: the person's messages and the assistant's prose. Everything else is
dropped: tool calls and their output, thinking, system reminders and hook context, sidechain
(subagent) records, meta records, and memem's own injected slices (mining those back would be
memem remembering itself). Unknown record types are skipped, never an error: Claude Code adds
new ones between versions.

Text is cleaned for what comes next: a lone surrogate (valid in JSON's `\ud800`, not in UTF-8)
becomes U+FFFD, so no request carrying the turn is refused; a line of the text that looks like a
role marker (`### Person:`) is escaped, so no one's text can pose as a turn of the conversation the
miner writes out. A line no JSON reader accepts (torn, foreign, nested too deep, a number too long
to read) is skipped.

Reading starts at a byte offset and consumes complete lines only, so a file that Claude Code is
still appending to is read again from where the last whole record ended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memem.config import claude_projects_dir
from memem.recall.text import strip_injected

_REMINDER = re.compile(r"<system-reminder>.*?</system-reminder>", re.S)
_COMMAND_NAME = re.compile(r"<command-name>\s*(.*?)\s*</command-name>", re.S)
_COMMAND_ARGS = re.compile(r"<command-args>\s*(.*?)\s*</command-args>", re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")
_MARKER = re.compile(r"^([ \t]*)(#+[ \t]*[^\n:#]{1,40}:)", re.M)  # `### Person:`, `## System:`, ...
_KEPT_WRAPPERS = re.compile(r"</?user-memory-input>")  # `#` memory input: the person's own words, unwrapped
_WRAPPERS = re.compile(
    r"<(command-message|local-command-stdout|local-command-stderr|local-command-caveat|bash-input|bash-stdout|"
    r"bash-stderr|user-prompt-submit-hook|task-notification)>.*?</\1>",
    re.S,
)


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str
    uuid: str
    timestamp: str | None
    session_id: str | None
    cwd: str | None
    start: int = 0  # byte offset of the record it begins with: where mining it again would start
    span: tuple[int, int] | None = None  # a part of the turn: its characters from, to (None: all of it)


def well_formed(text: str) -> str:
    """`text` with each lone surrogate (which no UTF-8 encoder accepts) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def unmarked(text: str) -> str:
    """`text` with every line that looks like a role marker escaped (`\\### Person:`): only the miner
    writes the markers that begin a turn."""
    return _MARKER.sub(r"\1\\\2", text)


def clean(text: str) -> str:
    """Remove what no one typed: system reminders, command wrappers, memem's own slices; make what is
    left well-formed text that cannot pose as a turn of its own."""
    return unmarked(_stripped(well_formed(text)))


def _stripped(text: str) -> str:
    text = strip_injected(text)
    text = _REMINDER.sub("", text)
    name = _COMMAND_NAME.search(text)
    if name:
        # A slash command: what the person typed is its name and arguments, not the expanded prompt.
        args = _COMMAND_ARGS.search(text)
        text = f"{name.group(1)} {args.group(1) if args else ''}".strip()
    text = _WRAPPERS.sub("", text)
    return _KEPT_WRAPPERS.sub("", text).strip()


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    ]


def turn_of(record: dict[str, Any], start: int = 0) -> Turn | None:
    """The prose of one transcript record, or None when it carries none worth mining."""
    kind = record.get("type")
    if kind not in ("user", "assistant") or record.get("isSidechain") or record.get("isMeta"):
        return None
    if kind == "user" and ("toolUseResult" in record or record.get("isCompactSummary")):
        return None
    message = record.get("message")
    if not isinstance(message, dict):
        return None
    text = clean("\n".join(_texts(message.get("content"))))
    if not text:
        return None
    return Turn(
        role="user" if kind == "user" else "assistant",
        text=text,
        uuid=_text(record.get("uuid")) or "",
        timestamp=_text(record.get("timestamp")),
        session_id=_text(record.get("sessionId")),
        cwd=_text(record.get("cwd")),
        start=start,
    )


def _text(value: Any) -> str | None:
    """A record's field as text: a transcript (or an export passed off as one) may hold anything there."""
    return well_formed(value) if isinstance(value, str) else None


def read_located(path: Path, offset: int = 0) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """JSON records from `offset` to the last complete line, each with the byte offset it starts at;
    and the offset after the last complete line."""
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    records = []
    position = 0
    for line in data[: end + 1].split(b"\n")[:-1]:
        start = offset + position
        position += len(line) + 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            # A torn, foreign or absurdly nested line, or a number longer than Python reads (a
            # ValueError that is no JSONDecodeError): skip it, keep going.
            continue
        if isinstance(record, dict):
            records.append((start, record))
    return records, offset + end + 1


def read_records(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """JSON records from `offset` to the last complete line; returns them and the new offset."""
    located, end = read_located(path, offset)
    return [record for _, record in located], end


def read_turns(path: Path, offset: int = 0) -> tuple[list[Turn], int]:
    located, new_offset = read_located(path, offset)
    return turns_of([r for _, r in located], [start for start, _ in located]), new_offset


def turns_of(records: list[dict[str, Any]], starts: list[int] | None = None) -> list[Turn]:
    """The conversation in a transcript's records: prose turns, in order (with where each begins)."""
    offsets = starts if starts is not None else [0] * len(records)
    turns = [t for t in (turn_of(r, s) for r, s in zip(records, offsets, strict=True)) if t is not None]
    # Claude Code writes one assistant message as several records (one per content block): merge
    # consecutive assistant prose so a lesson is not split across them.
    merged: list[Turn] = []
    for turn in turns:
        if merged and turn.role == "assistant" and merged[-1].role == "assistant":
            last = merged[-1]
            merged[-1] = Turn(
                "assistant",
                f"{last.text}\n\n{turn.text}",
                last.uuid,
                last.timestamp,
                last.session_id,
                last.cwd,
                last.start,
            )
        else:
            merged.append(turn)
    return merged


def transcripts(root: Path | None = None) -> Iterator[Path]:
    """Every session transcript under the projects folder, newest first (subagent files excluded)."""
    folder = root or claude_projects_dir()
    if not folder.is_dir():
        return iter(())
    files = [p for p in folder.glob("*/*.jsonl") if p.is_file()]
    return iter(sorted(files, key=lambda p: p.stat().st_mtime, reverse=True))
