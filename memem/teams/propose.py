"""Proposing memories to a team: a branch of the team repository, for the team to review.

Nothing reaches the team without review and nothing secret reaches a commit: each memory is read
from the vault as it is on disk and run through the same secret and injection screens as a save; a
memory that fails them is left out and reported. The rest are written into a fresh branch (in a
worktree inside the clone's `.git`, so the clone the daemon indexes never switches branch), committed
with a message that says where each came from, and pushed for a pull request.

A person's own memory is copied under a new id with `promoted_from` naming the original (ids are
never shared between two notes); an edit a person made to a team note in their clone is proposed at
the note's own path, and the clone's copy goes back to the team's version until the branch is merged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import re
import secrets
import shutil
import string
from dataclasses import dataclass, field
from pathlib import Path

from memem.errors import Refused
from memem.memory.screen import describe, screen
from memem.teams import git
from memem.teams.membership import require
from memem.vault import frontmatter, writer
from memem.vault.filenames import note_stem, numbered
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import MAX_NOTE_BYTES, BadNote, Note, parse_note
from memem.vault.teams import NOTES, team_of

ID_ALPHABET = string.ascii_lowercase + string.digits


@dataclass
class Proposal:
    team: str
    branch: str = ""
    commit: str = ""
    pushed: bool = False
    proposed: list[tuple[str, str]] = field(default_factory=list)  # (memory id, path in the team repository)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (memory id, why it was left out)

    def to_json(self) -> dict[str, object]:
        return {
            "team": self.team, "branch": self.branch, "commit": self.commit, "pushed": self.pushed,
            "proposed": [{"id": i, "path": p} for i, p in self.proposed],
            "refused": [{"id": i, "reason": r} for i, r in self.refused],
        }  # fmt: skip


@dataclass(frozen=True)
class _Item:
    repo_path: str
    text: str
    line: str  # its line in the commit message
    restore: str | None = None  # a team note's path in the clone, put back to the team's version afterwards


def _new_id() -> str:
    return f"mem-{dt.date.today():%Y%m%d}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))


def _read(vault: Path, rel: str) -> tuple[str, Note]:
    try:
        raw = read_bounded(vault / rel, MAX_NOTE_BYTES)
    except (FileRefused, OSError) as exc:
        raise Refused(f"cannot be read ({exc})") from None
    note = parse_note(rel, raw)
    if isinstance(note, BadNote):
        raise Refused(note.reason)
    return raw.decode("utf-8"), note


def _origin(note: Note, who: str) -> str:
    parts = [f"{note.source_type or 'user'} memory {note.id} of {who}"]
    if note.source_session:
        parts.append(f"session {note.source_session[:8]}")
    if note.created:
        parts.append(f"created {note.created}")
    return ", ".join(parts)


def _item(vault: Path, team_name: str, rel: str, who: str, taken: set[str]) -> _Item:
    raw, note = _read(vault, rel)
    findings = screen(raw)
    if findings:
        raise Refused(f"not proposed: {describe(findings)}")
    title = " ".join(note.title.split())[:120]
    owner = team_of(rel)
    if owner == team_name:
        repo_path = rel.split("/", 3)[3]  # memem/teams/<name>/<path in the repository>
        return _Item(repo_path, raw, f'- "{title}": an edit of the team note {note.id}', restore=repo_path)
    if owner is not None:
        raise Refused(f"a note of the team {owner!r}: propose it to that team, or copy it into your vault first")
    folder = f"{NOTES}/{note_stem(note.project or 'global', 'global')}"
    stem = note_stem(title)
    n = 1
    while (name := f"{folder}/{numbered(stem, n) if n > 1 else stem}.md") in taken:
        n += 1
    taken.add(name)
    text = frontmatter.edit_keys(raw, {"id": _new_id(), "promoted_from": note.id, "reviewed": frontmatter.DELETE})
    scope = f"project {note.project}" if note.project else "global"
    return _Item(name, text, f'- "{title}" ({note.kind}, {scope}): {_origin(note, who)}')


def _taken(worktree: Path) -> set[str]:
    root = worktree / NOTES
    return {p.relative_to(worktree).as_posix() for p in root.rglob("*.md")} if root.is_dir() else set()


def propose(vault: Path, team_name: str, notes: list[tuple[str, str]], push: bool = True) -> Proposal:
    """Propose these memories (id, vault-relative path) to the team; see the module's docstring."""
    team = require(vault, team_name)
    clone = team.folder
    who = git.run(clone, "config", "user.name", check=False).stdout.strip() or getpass.getuser()
    result = Proposal(team.name)
    remote = git.has_remote(clone)
    if remote:
        git.run(clone, "fetch", "--quiet")
    upstream = git.upstream(clone)
    # The clone's own commit when the team's branch is at it or ahead: an edit of a team note was made on
    # that text, and a branch from a newer one would silently revert what teammates changed meanwhile
    # (from the clone's commit, git merges the two edits, through the note driver).
    behind = (
        upstream is None or git.run(clone, "merge-base", "--is-ancestor", "HEAD", upstream, check=False).returncode == 0
    )
    base = "HEAD" if behind or upstream is None else upstream
    slug = re.sub(r"[^a-z0-9]+", "-", who.lower()).strip("-")[:40] or "someone"
    result.branch = f"memem/propose-{slug}-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    worktree = clone / ".git" / "memem-proposals" / secrets.token_hex(4)
    worktree.parent.mkdir(parents=True, exist_ok=True)
    git.run(clone, "worktree", "add", "--quiet", "-b", result.branch, str(worktree), base)
    try:
        taken = _taken(worktree)
        items: list[_Item] = []
        for note_id, rel in notes:
            try:
                items.append(_item(vault, team.name, rel, who, taken))
            except Refused as exc:
                result.refused.append((note_id, str(exc)))
                continue
            result.proposed.append((note_id, items[-1].repo_path))
        if not items:
            why = "; ".join(f"{i}: {r}" for i, r in result.refused) or "no memories given"
            raise Refused(f"nothing to propose ({why})")
        for item in items:
            target = worktree / item.repo_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.text, encoding="utf-8")
            git.run(worktree, "add", "--", item.repo_path)
        if git.run(worktree, "diff", "--cached", "--quiet", check=False).returncode == 0:
            names = ", ".join(note_id for note_id, _ in result.proposed)
            raise Refused(f"nothing to propose: {names} as the team has it already (edit it first)")
        count = f"{len(items)} memor{'y' if len(items) == 1 else 'ies'}"
        message = f"memem: {who} proposes {count}\n\n" + "\n".join(i.line for i in items) + "\n"
        result.commit = git.commit(worktree, message)
        if push and remote:
            git.run(worktree, "push", "--quiet", "--set-upstream", "origin", result.branch)
            result.pushed = True
    except BaseException:
        git.run(clone, "worktree", "remove", "--force", str(worktree), check=False)
        if not result.commit:
            git.run(clone, "branch", "-D", result.branch, check=False)
        raise
    git.run(clone, "worktree", "remove", "--force", str(worktree), check=False)
    shutil.rmtree(worktree, ignore_errors=True)
    for item in items:
        if item.restore is not None:  # the edit lives on the branch now; the clone follows the team again
            _restore(clone, item)
    return result


def _restore(clone: Path, item: _Item) -> None:
    """Put the team's version of an edited team note back, unless the person saved it again while
    the proposal was made (that save is in neither the branch nor the team's version: it stays)."""
    assert item.restore is not None
    try:
        team_version = git.blob(clone, "HEAD", item.restore).decode("utf-8")
    except (git.GitError, UnicodeDecodeError):  # not in the team's history (removed meanwhile): leave it be
        return
    with contextlib.suppress(FileNotFoundError, writer.WriteConflict):
        writer.update(clone / item.restore, lambda text: team_version if text == item.text else text)
