"""Self-curation at its edges: copies sharing one id, text that differs only in an operator, proposals
whose case no longer holds, undo after the plugin's own undo, replies full of "actually", and playbook
names that cannot be file names as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from memem.errors import Refused
from memem.memory.consolidate import Consolidator, ProposalBook, accept, reopen_undone
from memem.memory.playbook import create_playbook
from memem.memory.service import MemoryService, SaveRequest
from memem.mining.usefulness import CONTRADICTED, Reply, judge
from memem.testing import write_note
from memem.vault.playbooks import playbook_file, read_playbook


def test_copies_that_share_an_id_never_stop_a_consolidation(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Copy one", "Cache keys include the schema version.", id="dup", source_type="mined")
    write_note(fresh_vault, "Copy two", "Cache keys include the schema version.", id="dup", source_type="mined")
    write_note(fresh_vault, "Chain old", "Deploy with fabric.", id="old")
    write_note(fresh_vault, "Chain new", "Deploy with the pipeline.", id="new", supersedes=["[[Chain old]]"])
    service.store.reconcile()
    report = Consolidator(service).run()
    assert report.applied == [] and [p.reason for p in report.proposed] == ["superseded"]
    assert all(r.status == "active" for r in service.store.catalog.by_id("dup"))


def test_an_operator_or_a_sign_makes_two_notes_different(service: MemoryService, fresh_vault: Path) -> None:
    write_note(
        fresh_vault, "Retry a", "Set RETRY_LIMIT=-1 to retry for ever.", id="a", source_type="mined", title="Retries"
    )
    write_note(
        fresh_vault, "Retry b", "Set RETRY_LIMIT=1 to retry for ever.", id="b", source_type="mined", title="Retries"
    )
    service.store.reconcile()
    report = Consolidator(service).run()
    assert report.applied == []  # never folded by itself
    assert all(r.status == "active" for r in service.store.catalog.rows())


def test_a_proposal_whose_case_no_longer_holds_is_closed_not_carried_out(
    service: MemoryService, fresh_vault: Path
) -> None:
    write_note(fresh_vault, "Old", "Deploy with fabric.", id="old")
    write_note(fresh_vault, "New", "Deploy with the pipeline.", id="new", supersedes=["[[Old]]"])
    service.store.reconcile()
    (proposal,) = Consolidator(service).run().proposed
    service.deprecate("old")  # the person retired it meanwhile, their own way
    before = (fresh_vault / "memem/memories/Old.md").read_text()
    with pytest.raises(Refused, match="no longer holds"):
        accept(service, proposal.key)
    assert (fresh_vault / "memem/memories/Old.md").read_text() == before  # its valid_to and reason stand
    assert ProposalBook(fresh_vault).open() == []


def test_undoing_an_accepted_proposal_reopens_it(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Old", "Deploy with fabric.", id="old")
    write_note(fresh_vault, "New", "Deploy with the pipeline.", id="new", supersedes=["[[Old]]"])
    service.store.reconcile()
    (proposal,) = Consolidator(service).run().proposed
    accept(service, proposal.key)
    reopen_undone(service, service.undo())
    assert [p.key for _, p in ProposalBook(fresh_vault).open()] == [proposal.key]


def test_a_change_reverted_elsewhere_does_not_block_older_undos(service: MemoryService, fresh_vault: Path) -> None:
    note = write_note(fresh_vault, "Deploys", "Deploy on Tuesdays.", id="deploys")
    service.store.reconcile()
    saved = service.save(SaveRequest("The wiki moved to Confluence."))
    before = note.read_text()
    approved = before.replace("id: deploys", "id: deploys\nreviewed: 2026-12-05")
    note.write_text(approved)
    service.log_edits(
        "Approved “Deploys”", [{"path": "memem/memories/Deploys.md", "before": before, "after": approved}]
    )
    note.write_text(before)  # the plugin's own Undo put it back, without telling memem
    service.undo(2)  # the review (already reverted) counts as undone; the save before it is undone too
    assert note.read_text() == before and not (fresh_vault / saved.path).exists()


def test_only_a_cue_that_sets_a_memorys_specific_aside_contradicts_it() -> None:
    memory = "Settings live in `config/settings.py`."
    busy = Reply(
        "Actually, I'll first open config/settings.py. It isn't loaded yet, so I wasn't sure.",
        "Read config/settings.py",
    )
    assert judge(memory, busy).label != CONTRADICTED
    moved = Reply("`config/settings.py` does not exist: settings moved to pyproject.", "")
    verdict = judge(memory, moved)
    assert verdict.label == CONTRADICTED and "settings moved" not in verdict.evidence  # no reply text kept


def test_playbook_names_that_cannot_be_file_names_as_they_are(service: MemoryService, fresh_vault: Path) -> None:
    for project in ("org/app", "org-app", "con"):
        write_note(fresh_vault, f"Note of {project}", f"A fact about {project}.", id=f"n-{project}", project=project)
    service.store.reconcile()
    paths = {project: create_playbook(service, project) for project in ("org/app", "org-app", "con")}
    assert len(set(paths.values())) == 3 and paths["org-app"].name == "org-app.md"
    for project, path in paths.items():
        assert path == playbook_file(fresh_vault, project) and read_playbook(fresh_vault, project)
