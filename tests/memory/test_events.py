"""The event log and `memem undo`: every change memem makes to a note is recorded with what it replaced,
and undone newest first, never over an edit made since."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from memem.errors import Conflict, NotFound, Refused
from memem.index import events
from memem.memory.service import MemoryService, SaveRequest
from memem.mining.apply import apply
from memem.testing import write_note


def text_of(vault: Path, rel: str) -> str:
    return (vault / rel).read_text(encoding="utf-8")


def test_a_save_is_logged_and_undone_into_the_trash_not_deleted(service: MemoryService, fresh_vault: Path) -> None:
    saved = service.save(SaveRequest("Staging is reset every Sunday at 02:00 UTC.", project="shop"))
    (batch,) = service.history()
    assert (batch.op, [e.path for e in batch.entries]) == ("save", [saved.path])
    written = text_of(fresh_vault, saved.path)

    (undone,) = service.undo()
    assert undone.batch == batch.batch
    assert not (fresh_vault / saved.path).exists()
    (trashed,) = (fresh_vault / ".trash").glob("*.md")
    assert trashed.read_text(encoding="utf-8") == written  # kept, where Obsidian keeps deleted files
    assert service.store.catalog.by_id(saved.id) == []  # out of the indexes
    assert service.history() == []  # the undo is not itself offered for undoing
    with pytest.raises(NotFound):
        service.undo()


def test_a_deprecation_with_a_successor_is_one_operation_and_undoes_both_notes(
    service: MemoryService, fresh_vault: Path
) -> None:
    old = write_note(fresh_vault, "Old staging", "Staging was reset on Saturdays.", id="old", project="shop")
    new = write_note(fresh_vault, "New staging", "Staging is reset on Sundays.", id="new", project="shop")
    service.store.reconcile()
    before = {p: p.read_text() for p in (old, new)}
    service.deprecate("old", successor="new", reason="moved to Sunday")
    (batch,) = service.history()
    assert batch.op == "deprecate" and {e.note_id for e in batch.entries} == {"old", "new"}
    assert "status: deprecated" in old.read_text() and "supersedes" in new.read_text()

    service.undo()
    assert {p: p.read_text() for p in (old, new)} == before
    assert service.store.catalog.by_id("old")[0].status == "active"


def test_undo_never_overwrites_an_edit_made_since(service: MemoryService, fresh_vault: Path) -> None:
    note = write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys")
    other = write_note(fresh_vault, "Release", "Release notes go to the wiki.", id="release")
    service.store.reconcile()
    service.link("deploys", "release", "related")
    edited = note.read_text().replace("Tuesdays", "Wednesdays")
    note.write_text(edited, encoding="utf-8")  # the person edits in Obsidian afterwards
    with pytest.raises(Conflict, match="edited since"):
        service.undo()
    assert note.read_text() == edited  # theirs stands, whole
    assert other.exists()
    assert len(service.history()) == 1  # and the operation is still there to undo once they are done


def test_what_the_miner_applied_is_logged_per_lesson(service: MemoryService, fresh_vault: Path) -> None:
    items = [
        {"lesson": {"title": "Use uv for installs", "content": "Install Python packages with uv, not pip."}},
        {
            "lesson": {
                "title": "Run pytest with -x",
                "content": "Run the suite with pytest -x to stop at the first failure.",
            }
        },
    ]
    report = apply(service, items, "shop", "8b3d1f20-0000-0000-0000-000000000000", "test")
    assert len(report["saved"]) == 2
    batches = service.history()
    assert [b.op for b in batches] == ["mine", "mine"]
    assert [b.summary for b in batches] == ["Run pytest with -x", "Use uv for installs"]  # newest first
    service.undo(2)
    assert not any((fresh_vault / s["path"]).exists() for s in report["saved"])


def test_memem_undo_from_the_command_line(fresh_vault: Path) -> None:
    memem = [sys.executable, "-m", "memem", "--vault", str(fresh_vault)]
    saved = subprocess.run([*memem, "save", "The wiki moved to Confluence."], capture_output=True, text=True)
    assert saved.returncode == 0, saved.stderr
    listed = subprocess.run([*memem, "undo", "--list"], capture_output=True, text=True)
    assert "save" in listed.stdout and "The wiki moved to Confluence" in listed.stdout
    undone = subprocess.run([*memem, "undo"], capture_output=True, text=True)
    assert undone.returncode == 0 and undone.stdout.startswith("undid:")
    again = subprocess.run([*memem, "undo"], capture_output=True, text=True)
    assert again.returncode == 1 and "nothing to undo" in again.stderr


def test_review_decisions_made_in_obsidian_are_logged_and_undone_like_memems_own(
    service: MemoryService, fresh_vault: Path
) -> None:
    note = write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys")
    other = write_note(fresh_vault, "Junk", "A stack trace pasted by accident.", id="junk")
    service.store.reconcile()
    rel, junk_rel = "memem/memories/Deploys.md", "memem/memories/Junk.md"
    before, junk = note.read_text(), other.read_text()
    approved = before.replace("id: deploys", "id: deploys\nreviewed: 2026-12-05")
    note.write_text(approved, encoding="utf-8")  # what the plugin's processFrontMatter wrote
    other.unlink()  # what its reject did (to Obsidian's trash)
    assert service.log_edits("Approved “Deploys”", [{"path": rel, "before": before, "after": approved}]) == 1
    service.log_edits("Moved “Junk” to the trash", [{"path": junk_rel, "before": junk, "after": None}])
    assert [b.op for b in service.history()] == ["review", "review"]

    service.undo(2)
    assert note.read_text() == before and other.read_text() == junk
    with pytest.raises(Refused):
        service.log_edits("x", [{"path": "../outside.md", "before": "a", "after": "b"}])
    with pytest.raises(Refused):
        service.log_edits("x", [{"path": "notes/not-a-memory.md", "before": "a", "after": "b"}])


def test_undoing_several_operations_is_all_or_nothing(service: MemoryService, fresh_vault: Path) -> None:
    """An older operation that cannot be undone (its note was edited since) stops the newer ones too:
    `memem undo 2` never leaves half of what was asked done and the log saying otherwise."""
    deploys = write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys")
    write_note(fresh_vault, "Release", "Release notes go to the wiki.", id="release")
    service.store.reconcile()
    service.link("deploys", "release", "related")  # the older operation: edits Deploys
    saved = service.save(SaveRequest("Staging is reset every Sunday at 02:00 UTC.", project="shop"))  # the newer
    edited = deploys.read_text().replace("Tuesdays", "Wednesdays")
    deploys.write_text(edited, encoding="utf-8")
    with pytest.raises(Conflict, match="nothing was undone"):
        service.undo(2)
    assert (fresh_vault / saved.path).exists() and deploys.read_text() == edited
    assert [b.op for b in service.history()] == ["save", "link"]  # both still there to undo


def test_a_save_landing_during_an_undo_puts_back_what_the_undo_had_done(
    service: MemoryService, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write_note(fresh_vault, "Old staging", "Staging was reset on Saturdays.", id="old", project="shop")
    new = write_note(fresh_vault, "New staging", "Staging is reset on Sundays.", id="new", project="shop")
    service.store.reconcile()
    service.deprecate("old", successor="new", reason="moved to Sunday")
    after = {p: p.read_text() for p in (old, new)}
    applied: list[str] = []
    real_apply = events._Step.apply

    def racing(step: events._Step, vault: Path) -> None:
        if applied:  # the second note: an editor saves it just before the undo writes
            (vault / step.path).write_text((vault / step.path).read_text() + "\nSaved in Obsidian.\n")
        real_apply(step, vault)
        applied.append(step.path)

    monkeypatch.setattr(events._Step, "apply", racing)
    with pytest.raises(Conflict, match="nothing was undone"):
        service.undo()
    first = fresh_vault / applied[0]
    assert first.read_text() == after[first]  # the step already taken was put back
    assert any(p.read_text().endswith("Saved in Obsidian.\n") for p in (old, new))  # the editor's save stands
    assert [b.op for b in service.history()] == ["deprecate"]  # no undo recorded for a change not made
