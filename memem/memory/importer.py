"""Importing memories from files and folders, with a report of what was imported, skipped and why.

Markdown and text files become one memory each (their properties are kept where they fit: title,
tags, project, kind, layer, importance). Chat exports (Claude Code transcripts, ChatGPT and
Claude.ai `conversations.json`) are mined for lessons instead of copied whole.

Reading is confined: only paths under the allowed roots (the vault, the caller's project, Claude
Code's transcript folder), and never into credential folders such as ~/.ssh, even when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memem.memory.service import MAX_CONTENT, MemoryService, Refused, SaveRequest
from memem.vault import frontmatter

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
CHAT_SUFFIXES = {".jsonl", ".json"}
SENSITIVE_PARTS = {
    ".ssh",
    ".aws",
    ".gnupg",
    ".kube",
    ".docker",
    ".azure",
    ".gcloud",
    ".password-store",
    ".netrc",
    ".env",
}
SKIP_DIRS = {".git", ".obsidian", ".trash", "node_modules", "__pycache__", ".venv", "venv"}
MAX_FILES = 2000

ChatImporter = Callable[[Path, str | None], dict[str, Any]]


@dataclass
class ImportReport:
    imported: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def skip(self, path: Path | str, reason: str) -> None:
        self.skipped.append({"path": str(path), "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "counts": {"imported": len(self.imported), "skipped": len(self.skipped)},
        }


def check_allowed(path: Path, roots: Sequence[Path]) -> Path:
    """The resolved path, if it lies under an allowed root and outside credential folders."""
    resolved = path.expanduser().resolve()
    if any(part in SENSITIVE_PARTS for part in resolved.parts):
        raise Refused(f"{path} is in a credentials folder; memem does not read there")
    for root in roots:
        try:
            resolved.relative_to(root.resolve())
            return resolved
        except ValueError:
            continue
    raise Refused(f"{path} is outside the folders memem may import from ({', '.join(str(r) for r in roots)})")


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if any(p in SKIP_DIRS or p.startswith(".") for p in rel):
            continue
        if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES | CHAT_SUFFIXES:
            found.append(path)
    return found


def _as_request(path: Path, text: str, project: str | None) -> SaveRequest:
    parts = frontmatter.split(text)
    meta: dict[str, Any] = {}
    if parts.yaml_text is not None:
        try:
            meta = frontmatter.load(parts.yaml_text)
        except frontmatter.FrontmatterError:
            meta = {}
    body = parts.body.strip() if parts.yaml_text is not None else text.strip()
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    if not title:
        heading = next((line.lstrip("# ").strip() for line in body.splitlines() if line.startswith("# ")), None)
        title = heading or path.stem
    tags = meta.get("tags")
    tag_list = (
        [str(t) for t in tags] if isinstance(tags, list) else ([str(tags)] if isinstance(tags, str) and tags else [])
    )
    layer = meta.get("layer") if isinstance(meta.get("layer"), int) and meta.get("layer") in (1, 2, 3) else None
    importance = (
        meta.get("importance")
        if isinstance(meta.get("importance"), int) and meta.get("importance") in range(1, 6)
        else None
    )
    kind = meta.get("kind") if isinstance(meta.get("kind"), str) else None
    own_project = meta.get("project") if isinstance(meta.get("project"), str) else None
    return SaveRequest(
        content=body, title=str(title), tags=tag_list[:20], project=project or own_project, kind=kind, layer=layer,
        importance=importance, source_type="import", extra={"imported_from": str(path)},
    )  # fmt: skip


def import_path(
    service: MemoryService,
    path: Path,
    roots: Sequence[Path],
    project: str | None = None,
    chat: ChatImporter | None = None,
) -> ImportReport:
    source = check_allowed(path, roots)
    if not source.exists():
        raise Refused(f"{path} does not exist")
    report = ImportReport()
    memories = service.paths.memories.resolve()
    files = _files(source)
    for n, file in enumerate(files):
        if n >= MAX_FILES:
            report.skip(file, f"more than {MAX_FILES} files in one import; import the rest separately")
            continue
        try:
            file.relative_to(memories)
            report.skip(file, "already a memory in this vault")
            continue
        except ValueError:
            pass
        if file.suffix.lower() in CHAT_SUFFIXES:
            if chat is None:
                report.skip(file, "chat exports are mined by the daemon; import through it")
                continue
            try:
                mined = chat(file, project)
            except Refused as exc:
                report.skip(file, str(exc))
                continue
            report.imported.extend(mined.get("saved", []))
            for item in mined.get("skipped", []):
                report.skip(file, str(item.get("reason", "skipped by the miner")))
            continue
        try:
            raw = file.read_bytes()
        except OSError as exc:
            report.skip(file, f"cannot be read ({exc.strerror or exc})")
            continue
        if len(raw) > MAX_CONTENT * 4:
            report.skip(file, f"too large for one memory ({len(raw):,} bytes); split it into smaller notes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            report.skip(file, "not UTF-8 text")
            continue
        if not text.strip():
            report.skip(file, "empty")
            continue
        try:
            saved = service.save(_as_request(file, text, project))
        except Refused as exc:
            report.skip(file, str(exc))
            continue
        if saved.duplicate_of:
            report.skip(file, f"already remembered as {saved.duplicate_of}")
        else:
            report.imported.append({"id": saved.id, "title": saved.title, "path": saved.path, "from": str(file)})
    if not files:
        report.skip(source, "no markdown, text or chat-export files found")
    return report
