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


def read_playbook(vault: Path, project: str | None) -> str:
    """The playbook's text for this project, without its properties; "" when there is none."""
    if not project:
        return ""
    try:
        text = read_bounded(playbook_file(vault, project), MAX_BYTES).decode("utf-8", errors="replace")
    except (FileNotFoundError, FileRefused, OSError):
        return ""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            text = text[end + 4 :]
    if withheld_warnings(text):  # shown to the model at every session start: never one that speaks to it or
        return ""  # holds a secret (doctor says so)
    return text.strip()


def withheld_playbooks(vault: Path) -> list[tuple[Path, str, str]]:
    """Playbooks not shown because they hold text addressed to a model or a secret: (path, which, what was
    found), for doctor."""
    found: list[tuple[Path, str, str]] = []
    for path in sorted((vault / PLAYBOOKS_FOLDER).glob("*.md")):
        try:
            warnings = withheld_warnings(read_bounded(path, MAX_BYTES).decode("utf-8", errors="replace"))
        except (FileRefused, OSError):
            continue
        found.extend((path, *why) for why in map(why_withheld, warnings) if why is not None)
    return found
