"""Creating a project's playbook from its top memories, for the person to curate from there.

The top memories: the project's active notes (not the archive), pinned identity notes first, then
the reviewed and the important, then those recall found used most (the usefulness ledger). Each is
a wikilink and its first sentence, so the briefing points at the notes rather than copying them.
After it is created the playbook is the person's: memem never rewrites it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from memem.errors import Refused
from memem.memory.screen import refuse_secret_name
from memem.memory.service import MemoryService
from memem.vault import writer
from memem.vault.note import render_new_note
from memem.vault.playbooks import playbook_file, playbook_withheld

TOP = 12


def create_playbook(service: MemoryService, project: str, top: int = TOP) -> Path:
    project = project.strip()
    if not project:
        raise Refused("a playbook is for a project: give its name")
    if len(project) > 100 or "\n" in project:  # it names a file: 5,000 characters were an OSError (a 500)
        raise Refused("`project` must be a short name on one line (100 characters at most)")
    refuse_secret_name(project, "the project's name")  # the playbook's file is named after it
    path = playbook_file(service.paths.vault, project)
    if path.exists() or path.is_symlink():
        why = playbook_withheld(service.paths.vault, project)
        if why:  # it exists but sessions do not start with it: say why, rather than only that it exists
            raise Refused(f"{why}; fix it in Obsidian (--create never writes over a playbook)")
        raise Refused(f"{path.relative_to(service.paths.vault)} exists already: it is yours to edit in Obsidian")
    rows = [
        r for r in service.store.catalog.rows()
        if r.project == project and r.status == "active" and r.layer != 3 and r.team is None and not r.withheld
    ]  # fmt: skip
    if not rows:
        raise Refused(f"project {project!r} has no active memories to start a playbook from")
    records = service.store.ledger.records(r.id for r in rows)
    used = {i: r.used for i, r in records.items()}
    rows.sort(key=lambda r: (r.layer != 0, not r.reviewed, -r.importance, -used.get(r.id, 0), r.title.lower()))
    bodies = service.store.catalog.bodies([r.uid for r in rows[:top]])
    lines = [f"# {project}: playbook", "", "What a session on this project should know first (edit freely).", ""]
    for row in rows[:top]:
        first = " ".join(bodies.get(row.uid, "").split()).split(". ")[0][:160]
        lines.append(f"- [[{row.name}]]" + (f" — {first}" if first and first != row.title else ""))
    props = {"playbook": project, "created": dt.date.today().isoformat()}
    # Exactly this name (where sessions look for it), and never over a playbook written meanwhile.
    if not writer.create_at(path, render_new_note(props, "\n".join(lines)).encode("utf-8")):
        raise Refused(f"{path.relative_to(service.paths.vault)} exists already: it is yours to edit")
    return path
