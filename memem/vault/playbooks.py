"""Playbooks: one briefing note per project, which the person curates, shown at session start.

`<vault>/memem/playbooks/<project>.md` (outside the memories folder: a briefing, not a memory; nothing
indexes it). Read on the SessionStart hook's path, so standard library only: the text below the
properties block, as the person wrote it.
"""

from __future__ import annotations

from pathlib import Path

from memem.config import PLAYBOOKS_FOLDER
from memem.vault.files import FileRefused, read_bounded
from memem.vault.withheld import why_withheld, withheld_warnings

MAX_BYTES = 200_000


_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def playbook_file(vault: Path, project: str) -> Path:
    """Where a project's playbook lives: its name as the file name, or, when the name cannot be one as it
    is (a `/`, a name Windows reserves), a safe form with a hash of the name, so two projects never share."""
    safe = "".join(c if c.isalnum() or c in " -_." else "-" for c in project).strip(" .")
    if safe != project or not safe or safe.lower() in _RESERVED:
        import hashlib

        safe = f"{safe or 'project'}-{hashlib.sha256(project.encode()).hexdigest()[:6]}"
    return vault / PLAYBOOKS_FOLDER / f"{safe}.md"


TOO_LARGE = "too much text"
UNREADABLE = "nothing memem can read"


def _body(raw: bytes) -> str:
    """The text below the properties block."""
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            text = text[end + 4 :]
    return text


def _refusal(reason: str) -> tuple[str, str]:
    """(kind, what) for a playbook file read_bounded refused, worded as doctor's "a playbook holds KIND (WHAT)"."""
    if reason.startswith("too large"):
        return TOO_LARGE, f"over {MAX_BYTES:,} bytes, the most a playbook may hold"
    return UNREADABLE, reason


def _examine(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The playbook's text without its properties, and why it is not shown: (kind, what) for each reason
    (none: it is shown). FileNotFoundError passes through: no playbook is no problem."""
    try:
        raw = read_bounded(path, MAX_BYTES)
    except FileRefused as exc:
        return "", [_refusal(str(exc))]
    except FileNotFoundError:
        raise
    except OSError as exc:
        return "", [(UNREADABLE, f"cannot be read ({exc.strerror or exc})")]
    text = _body(raw)
    # Shown to the model at every session start: never one that speaks to it or holds a secret.
    why = [found for found in map(why_withheld, withheld_warnings(text)) if found is not None]
    return ("" if why else text.strip()), why


def read_playbook(vault: Path, project: str | None) -> str:
    """The playbook's text for this project, without its properties; "" when there is none, or when it is
    withheld (`playbook_withheld` says why, and so does doctor)."""
    if not project:
        return ""
    try:
        return _examine(playbook_file(vault, project))[0]
    except (FileNotFoundError, OSError):
        return ""


def playbook_withheld(vault: Path, project: str) -> str | None:
    """Why the project's playbook, which exists, is not shown at session start, for a person: "the
    playbook at PATH is withheld: REASON" (or is empty); None when there is none or it is shown."""
    path = playbook_file(vault, project)
    try:
        text, why = _examine(path)
    except FileNotFoundError:
        return None
    where = path.relative_to(vault).as_posix() if path.is_relative_to(vault) else str(path)
    if why:
        return f"the playbook at {where} is withheld: " + "; ".join(f"it holds {kind} ({what})" for kind, what in why)
    if not text:
        return f"the playbook at {where} is empty below its properties: sessions start without it"
    return None


def withheld_playbooks(vault: Path) -> list[tuple[Path, str, str]]:
    """Playbooks not shown at session start: those holding text addressed to a model or a secret, too
    large to read, or that cannot be read: (path, which, what was found), for doctor."""
    found: list[tuple[Path, str, str]] = []
    for path in sorted((vault / PLAYBOOKS_FOLDER).glob("*.md")):
        try:
            found.extend((path, *why) for why in _examine(path)[1])
        except FileNotFoundError:  # deleted meanwhile
            continue
    return found
