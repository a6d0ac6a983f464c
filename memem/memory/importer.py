"""Importing memories from files and folders, with a report of what was imported, skipped and why.

Markdown and text files become one memory each (their properties are kept where they fit: title,
tags, project, kind, layer, importance). Chat exports (Claude Code transcripts, ChatGPT and
Claude.ai `conversations.json`) are mined for lessons instead of copied whole, by the miner the
caller hands in.

A model can call this (MCP `memory_import`), so reading is confined, and the checks run on the
resolved path of every single file, not just on the path asked for:
- only under the allowed roots: the vault, the current project's folder, Claude Code's transcript
  folder, and roots the person configured (`import_roots` in config.json, or MEMEM_IMPORT_ROOTS);
  the project folder is named by the request, so it counts only if it is a project in the home
  folder (or under a configured root): see `usable_project_dir`;
- never through a symlink that leads out of them;
- never memem's own state (its token, indexes, logs), dotfiles and dot-folders, credential files
  (by name: .pgpass, id_rsa, *.pem, credentials.json, shell histories, recovery codes, …) or
  folders (~/.ssh, …); a file of bare recovery codes is refused by the secret screen whatever its name;
- never a secret in a message: a path is shown redacted (`shown_path`);
- never a file the secret screen flags (the save refuses it; a chat export is mined instead, and each
  lesson from it is screened);
- never a pipe, device or other non-regular file, and never more than a bounded number of bytes.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from memem.config import Paths, claude_projects_dir, memem_home, read_config
from memem.errors import MememError, Refused
from memem.memory.foreign import read_properties
from memem.memory.results import ImportReport, shown_path
from memem.memory.service import MAX_CONTENT, MemoryService, SaveRequest
from memem.project import OVERRIDE_FILE
from memem.settings import settings
from memem.vault.files import FileRefused, is_within, read_bounded, walk_tree

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
CHAT_SUFFIXES = {".jsonl", ".json"}
CREDENTIAL_FOLDERS = {
    ".ssh", ".aws", ".gnupg", ".kube", ".docker", ".azure", ".gcloud", ".password-store", ".config/gcloud",
    ".terraform.d", ".vault-token", ".memem",
}  # fmt: skip
CREDENTIAL_NAMES = (
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.kdbx", "*.gpg", "*.asc", "*.ovpn",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*credentials*", "*secret*", "*token*", "*password*",
    "*recovery*code*", "*recovery*key*", "*backup[-_ ]code*", "*backupcode*", "*scratch[-_ ]code*",
    "*2fa[-_ ]code*", "*mfa[-_ ]code*", "*emergency[-_ ]kit*", "*seed[-_ ]phrase*",
    "service-account*.json", "kubeconfig*", "htpasswd", "*_history", "*.tfstate*", "terraform.tfvars*",
    ".env*", ".netrc", ".pgpass", ".npmrc", ".pypirc", ".git-credentials", ".my.cnf",
)  # fmt: skip
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}
SYSTEM_FOLDERS = (
    "/etc", "/var", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/dev", "/proc", "/sys",
    "/run", "/snap", "/private", "/System", "/Library",
)  # fmt: skip
log = logging.getLogger(__name__)

MAX_FILES = 2000
MAX_FILE_BYTES = MAX_CONTENT * 4
MAX_CHAT_BYTES = 20_000_000
"""A chat export is mined, which may cost model calls: larger exports are refused, to be split."""

ChatImporter = Callable[[Path, bytes, str | None], dict[str, Any]]
"""(file, its bytes, project) -> the miner's report ({"saved": [...], "skipped": [...], …})."""


def allowed_roots(paths: Paths, project_dir: str | Path | None = None) -> list[Path]:
    """The folders an import may read: vault, project folder, transcripts, and configured roots."""
    roots = [paths.vault, claude_projects_dir()]
    project = usable_project_dir(project_dir, paths.home)
    if project is not None:
        roots.append(project)
    roots += configured_roots(paths.home)
    return _existing(roots)


def configured_roots(home: Path | None = None) -> list[Path]:
    """The roots the person listed: `import_roots` in config.json, and MEMEM_IMPORT_ROOTS."""
    configured = read_config(home).get("import_roots")
    extra = [str(p) for p in configured] if isinstance(configured, list) else []
    return [Path(p).expanduser() for p in extra] + list(settings().import_roots)


def _existing(roots: Sequence[Path]) -> list[Path]:
    resolved: list[Path] = []
    for root in roots:
        try:
            resolved.append(root.resolve(strict=True))
        except (OSError, RuntimeError):
            continue  # a root that does not exist allows nothing
    return list(dict.fromkeys(resolved))


def usable_project_dir(project_dir: str | Path | None, home: Path | None = None) -> Path | None:
    """The caller's project folder as an import root, unless it is too broad to be one.

    The home folder (or a folder holding it, or /) would make every dotfile a candidate; memem's
    own state folder would expose its token; a dot-folder of home (`~/.config`, `~/.claude`,
    `~/.local/share`) holds other programs' state, and would make it all importable, as dotfiles are
    only refused below the root. Those are refused rather than trusted.

    The folder comes with the request (the relay's `x-memem-project-dir` header, an HTTP caller's
    `project_dir`), and the daemon cannot know a session's folder otherwise, so what it names is
    checked to be a project (`_is_project`) in the person's home or under a root they configured,
    and elsewhere a folder Claude Code has kept a session for.
    """
    if not project_dir or "\x00" in str(project_dir):
        return None
    try:
        folder = Path(project_dir).expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    user_home = Path.home().resolve()
    state = memem_home().resolve()
    if not folder.is_dir() or is_within(user_home, folder) or is_within(folder, state):
        return None
    if is_within(folder, user_home) and any(part.startswith(".") for part in folder.relative_to(user_home).parts):
        return None
    if any(is_within(folder, Path(system)) for system in SYSTEM_FOLDERS) and not is_within(folder, user_home):
        return None  # a session started in /etc is not a project whose files a model may import
    if folder == Path(tempfile.gettempdir()).resolve():
        return None  # /tmp holds every user's and program's scratch files
    if is_within(folder, user_home) or any(is_within(folder, root) for root in _existing(configured_roots(home))):
        return folder if _is_project(folder) else None
    # /srv, /opt, /work, /tmp/…: a folder Claude Code has kept a session for (it was that session's
    # folder), or one the person listed; a git root there alone is anyone's, another user's included.
    return folder if _has_sessions(folder) else None


def _is_project(folder: Path) -> bool:
    """A folder a session works in: a git work tree's root, one marked with `.memem-project`, or one
    Claude Code has kept a session's transcript for (its folder under `~/.claude/projects` is named
    after the working folder, every character other than a letter or digit made `-`)."""
    return (folder / ".git").exists() or (folder / OVERRIDE_FILE).is_file() or _has_sessions(folder)


def _has_sessions(folder: Path) -> bool:
    """Whether Claude Code has kept a transcript for a session started in `folder` itself.

    The session folder's name must be the folder's whole encoded path: a prefix is not enough (the
    sessions of `/tmp/x/ws/api-v2` are kept as `-tmp-x-ws-api-v2`, which starts with the names of
    `/tmp/x/ws/api` and `/tmp/x/ws`, folders no session ran in). The encoding is not one to one
    (`/x/api.v2` and `/x/api-v2` are both `-x-api-v2`), so when the transcripts there record the
    folder a session ran in, as Claude Code's do, one of them must name this folder."""
    named = re.sub(r"[^A-Za-z0-9]", "-", str(folder))
    sessions = claude_projects_dir() / named
    if not sessions.is_dir() or sessions.is_symlink():
        return False
    recorded = _recorded_folders(sessions)
    return not recorded or str(folder) in recorded


SESSIONS_READ = 5
SESSION_HEAD_BYTES = 64_000


def _recorded_folders(sessions: Path) -> set[str]:
    """The working folders the newest few transcripts in a session folder record (`cwd`), read from
    the head of each (bounded: a transcript can be hundreds of MB)."""
    try:
        files = sorted(
            (e for e in os.scandir(sessions) if e.name.endswith(".jsonl") and e.is_file(follow_symlinks=False)),
            key=lambda e: e.stat(follow_symlinks=False).st_mtime,
            reverse=True,
        )[:SESSIONS_READ]
    except OSError:
        return set()
    found: set[str] = set()
    for entry in files:
        try:
            head = _head(Path(entry.path))
        except OSError:
            continue
        for line in head.splitlines():
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict) and isinstance(record.get("cwd"), str):
                found.add(record["cwd"])
    return found


def _head(path: Path) -> bytes:
    """The first SESSION_HEAD_BYTES of a regular file, never following a symlink or waiting on a pipe."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        return os.read(fd, SESSION_HEAD_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    finally:
        os.close(fd)


def _refusal(resolved: Path, root: Path) -> str | None:
    """Why this file (resolved, under `root`) must not be read, or None."""
    if is_within(resolved, memem_home().resolve()):
        return "memem's own state is never imported"
    text = resolved.as_posix()
    if any(f"/{folder}/" in f"{text}/" for folder in CREDENTIAL_FOLDERS):
        return "in a credentials folder; memem does not read there"
    below = resolved.relative_to(root).parts
    if any(part.startswith(".") for part in below):
        return "dotfiles and dot-folders are not imported"
    name = resolved.name.lower()
    if any(fnmatch.fnmatch(name, pattern) for pattern in CREDENTIAL_NAMES):
        return "looks like a credentials file; memem does not read it"
    return None


def confine(path: Path, roots: Sequence[Path]) -> tuple[Path, Path]:
    """The resolved file or folder and the allowed root it lies under; Refused otherwise."""
    if "\x00" in str(path):
        raise Refused("a path cannot contain a NUL character")
    shown = ", ".join(shown_path(r) for r in roots)
    outside = f"{shown_path(path)} is outside the folders memem may import from ({shown})"
    try:  # first where the path leads as far as it exists: whether a path outside exists is not said
        leads = path.expanduser().resolve(strict=False)
    except (OSError, RuntimeError):
        leads = None
    if leads is not None and not any(is_within(leads, r) for r in roots):
        raise Refused(outside)
    try:
        resolved = path.expanduser().resolve(strict=True)
    except FileNotFoundError:
        raise Refused(f"{shown_path(path)} does not exist") from None
    except RuntimeError:  # Python 3.11's resolve(strict=True) on a symlink loop
        raise Refused(f"{shown_path(path)} cannot be resolved (a symlink loop)") from None
    except OSError as exc:  # its strerror only: the whole message names where a symlink led
        raise Refused(f"{shown_path(path)} cannot be resolved ({exc.strerror or 'an error'})") from None
    root = next((r for r in roots if is_within(resolved, r)), None)
    if root is None:
        raise Refused(outside)
    reason = _refusal(resolved, root)
    if reason is not None:
        raise Refused(f"{shown_path(path)}: {reason}")
    return resolved, root


def _candidate(path: Path, root: Path, roots: Sequence[Path]) -> Path:
    """The file to read for `path` (resolved when a symlink), or Refused with the reason."""
    if path.suffix.lower() not in TEXT_SUFFIXES | CHAT_SUFFIXES:
        raise Refused("not a markdown, text or chat-export file")
    if path.is_symlink():
        target = confine(path, roots)[0]
        if target.suffix.lower() not in TEXT_SUFFIXES | CHAT_SUFFIXES:  # what a file import refuses too
            raise Refused("a link to a file that is not markdown, text or a chat export")
        return target
    reason = _refusal(path, root)
    if reason is not None:
        raise Refused(reason)
    return path


def _files(source: Path, root: Path, roots: Sequence[Path], report: ImportReport) -> list[Path]:
    """Candidate files under `source` (or `source` itself), each confined on its own; a symlink is
    followed only when its target is itself allowed. The walk stops once MAX_FILES are found."""
    if source.is_file():
        return [_candidate(source, root, roots)]
    found: list[Path] = []
    for folder, dirs, files in walk_tree(source, lambda d: d.startswith(".") or d in SKIP_DIRS):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in TEXT_SUFFIXES | CHAT_SUFFIXES:
                continue
            if len(found) >= MAX_FILES:
                report.skip(source, f"more than {MAX_FILES} files in one import; import the rest separately")
                return found
            try:
                found.append(_candidate(path, root, roots))
            except Refused as exc:
                report.skip(path, str(exc))
            except OSError as exc:  # its strerror only: the whole message may name a link's target
                report.skip(path, f"cannot be examined ({exc.strerror or 'an error'})")
    return found


def _read(path: Path, limit: int) -> bytes:
    """The file's bytes: bounded, no pipes, no symlinked folder swapped in after the checks, and not a
    hard link (a second name for a file that may live anywhere on the disk)."""
    try:
        return read_bounded(path, limit, real_path=path, single_name=True)
    except FileRefused as exc:
        raise Refused(str(exc)) from None


def _as_request(path: Path, text: str, project: str | None) -> SaveRequest:
    meta, body = read_properties(text)
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


def _import_text(service: MemoryService, file: Path, raw: bytes, project: str | None, report: ImportReport) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        report.skip(file, "not UTF-8 text")
        return
    if not text.strip():
        report.skip(file, "empty")
        return
    try:
        saved = service.save(_as_request(file, text, project))
    except Refused as exc:
        report.skip(file, str(exc))
        return
    if saved.quarantined:
        report.quarantined.append({"path": saved.path, "from": shown_path(file), "reason": saved.quarantined})
    elif saved.duplicate_of:
        report.skip(file, f"already remembered as {saved.duplicate_of}")
    else:
        report.imported.append({"id": saved.id, "title": saved.title, "path": saved.path, "from": shown_path(file)})


def import_source(path: str, project_dir: str | None) -> Path:
    """The path an import asks for, as a file system path. A relative one is read from the caller's
    project folder: the daemon's own working folder means nothing to a caller (it was wherever the
    daemon happened to be started). Without a project folder a relative path is refused."""
    asked = Path(path).expanduser()
    if asked.is_absolute():
        return asked
    if not project_dir:
        raise Refused(
            f"{shown_path(path)} is a relative path and this call names no project folder to read it from: "
            "give an absolute path"
        )
    return Path(project_dir).expanduser() / asked


def import_path(
    service: MemoryService,
    path: Path,
    roots: Sequence[Path],
    project: str | None = None,
    chat: ChatImporter | None = None,
) -> ImportReport:
    """Import a file or a folder of them (see the module's docstring for what may be read).

    Each file is imported on its own: whatever goes wrong with one (a refusal, a chat export of a
    shape no one planned for, a bug) skips that file with the reason in the report, and the rest are
    imported, so the caller always learns what was done."""
    if not path.is_absolute():
        raise Refused(f"{shown_path(path)} is a relative path: give an absolute path")
    source, root = confine(path, roots)
    report = ImportReport()
    memem_folder = (service.paths.vault / "memem").resolve()
    files = _files(source, root, roots, report)
    for file in files:
        try:
            _import_file(service, file, memem_folder, project, chat, report)
        except MememError as exc:
            report.skip(file, str(exc))
        except Exception as exc:  # one file's surprise must not hide what the others did
            log.exception("importing %s failed", shown_path(file))
            report.skip(file, f"could not be imported ({type(exc).__name__}; the daemon's log has the details)")
    if not files and not report.skipped:
        report.skip(source, "no markdown, text or chat-export files found")
    return report


def _import_file(
    service: MemoryService,
    file: Path,
    memem_folder: Path,
    project: str | None,
    chat: ChatImporter | None,
    report: ImportReport,
) -> None:
    if is_within(file, memem_folder):
        report.skip(file, "already part of memem's folder in this vault")
        return
    is_chat = file.suffix.lower() in CHAT_SUFFIXES
    try:
        raw = _read(file, MAX_CHAT_BYTES if is_chat else MAX_FILE_BYTES)
    except FileNotFoundError:
        report.skip(file, "deleted while importing")
        return
    if not is_chat:
        _import_text(service, file, raw, project, report)
        return
    if chat is None:
        report.skip(file, "chat exports need the miner, which this caller does not provide")
        return
    mined = chat(file, raw, project)
    report.imported.extend({**item, "from": shown_path(file)} for item in mined.get("saved", []))
    report.quarantined.extend({"path": q, "from": shown_path(file)} for q in mined.get("quarantined", []))
    for item in mined.get("skipped", []):
        report.skip(file, str(item.get("reason", "skipped by the miner")))
    if not any(mined.get(key) for key in ("saved", "quarantined", "skipped", "updated")):
        report.skip(file, "no lesson found in its conversations")  # every file the import read is in the report
