"""The blind audit of consolidation, on real vaults: a fold is "provably safe" only on notes nobody touched
and an undone fold stays undone; a proposal names its direction and is re-checked when accepted; the
near-duplicate rule never takes notes that disagree (numbers, versions, negations) or pairs a link
settles; no cross-project contradiction, no retiring both sides of a supersede loop; stale notes judged
by their latest date and only a few new ones a run; one file per proposal; secrets never repeated."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from memem.errors import NotFound, Refused
from memem.memory import consolidate
from memem.memory.consolidate import Consolidator, Proposal, ProposalBook, accept, disagree, reject, reopen_undone
from memem.memory.service import MemoryService
from memem.testing import write_note
from memem.vault.playbooks import playbook_file

TODAY = dt.date.today().isoformat()
OLD = "2025-01-10"
SECRET = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"


def mined(vault: Path, name: str, body: str, **props: object) -> Path:
    base: dict[str, object] = {"title": name, "project": "shop", "layer": 2, "kind": "fact", "status": "active",
                               "created": TODAY, "updated": TODAY, "source_type": "mined"}  # fmt: skip
    return write_note(vault, name, body, **{**base, **props})


def status(service: MemoryService, note_id: str) -> str:
    return service.store.catalog.by_id(note_id)[0].status


def proposal_files(vault: Path) -> list[Path]:
    return sorted((vault / "memem/proposals").glob("*.md"))


# --- 1. the "provably safe" fold ----------------------------------------------------------------------
def test_a_fold_touching_a_persons_edits_is_a_proposal_keeping_the_curated_note(
    service: MemoryService, fresh_vault: Path
) -> None:
    body = "The search API paginates with cursors, never offsets."
    mined(fresh_vault, "Search pagination", body, id="plain", created="2026-11-01", updated="2026-11-01")
    mined(
        fresh_vault, "Search pagination 2", body, id="pinned", title="Search pagination", layer=0,
        tags=["canary"], jira="SHOP-123", related=["[[Search pagination]]"],
    )  # fmt: skip
    service.store.reconcile()
    report = Consolidator(service).run()
    assert report.applied == []
    (merge,) = [p for p in report.proposed if p.kind == "merge"]
    assert merge.ids == ("pinned", "plain")  # the curated copy stays, not the plain older one
    assert status(service, "pinned") == status(service, "plain") == "active"


@pytest.mark.parametrize(
    "touch",
    [
        {"layer": 0},
        {"tags": ["canary"]},
        {"jira": "SHOP-9"},
        {"related": ["[[Other]]"]},
    ],
)
def test_any_sign_of_a_person_on_a_copy_stops_the_fold(
    service: MemoryService, fresh_vault: Path, touch: dict[str, object]
) -> None:
    body = "Feature branches are rebased, never merged."
    mined(fresh_vault, "Branches", body, id="one", created="2026-11-01", updated="2026-11-01")
    mined(fresh_vault, "Branches 2", body, id="two", title="Branches", **touch)
    service.store.reconcile()
    report = Consolidator(service).run()
    assert report.applied == [] and [p.kind for p in report.proposed] == ["merge"]


def test_a_body_edited_since_memem_wrote_it_is_not_folded(service: MemoryService, fresh_vault: Path) -> None:
    from memem.memory.service import SaveRequest

    saved = service.save(SaveRequest("Invoices are numbered per year.", title="Invoice numbers", project="shop",
                                     source_type="mined"))  # fmt: skip
    path = fresh_vault / saved.path
    path.write_text(path.read_text().replace("per year.", "per year!"))  # the person's edit, in Obsidian
    mined(fresh_vault, "Invoice numbers copy", "Invoices are numbered per year.", id="copy", title="Invoice numbers",
          created="2026-11-01", updated="2026-11-01")  # fmt: skip
    service.store.reconcile()
    consolidator = Consolidator(service)
    assert consolidator.person_signs(service.resolve(saved.id)) == ["edited since memem wrote it"]
    report = consolidator.run()
    assert report.applied == []  # the same words set aside punctuation, but one was edited by a person
    assert {r.status for r in service.store.catalog.rows()} == {"active"}


def test_an_untouched_fold_is_done_and_an_undone_fold_is_never_redone(
    service: MemoryService, fresh_vault: Path
) -> None:
    body = "The cache is warmed after every deploy."
    mined(fresh_vault, "Cache warming", body, id="first", created="2026-11-01", updated="2026-11-01")
    mined(fresh_vault, "Cache warming 2", body, id="second", title="Cache warming")
    service.store.reconcile()
    report = Consolidator(service).run()
    assert [p.ids for p in report.applied] == [("first", "second")]
    assert status(service, "second") == "deprecated"

    reopen_undone(service, service.undo())  # as the daemon's undo does
    assert status(service, "second") == "active"
    for _ in range(2):  # the next `memem consolidate`, and the daemon's idle pass after it
        again = Consolidator(service).run()
        assert again.applied == []
        assert status(service, "second") == "active"
    (open_,) = ProposalBook(fresh_vault).open()
    assert open_[1].ids == ("first", "second")  # waiting for the person instead


# --- 2. a proposal's direction, re-checked at accept ---------------------------------------------------
def test_a_key_names_which_note_is_retired() -> None:
    assert Proposal("deprecate", ("a", "b"), "x", "").key != Proposal("deprecate", ("b", "a"), "x", "").key
    assert Proposal("merge", ("a", "b"), "x", "").key != Proposal("merge", ("b", "a"), "x", "").key
    assert Proposal("merge", ("a", "b", "c"), "x", "").key == Proposal("merge", ("a", "c", "b"), "x", "").key


def test_accepting_after_the_kept_note_changed_side_is_refused(service: MemoryService, fresh_vault: Path) -> None:
    common = {"project": "shop", "source_type": "user", "title": "Postgres"}
    write_note(fresh_vault, "Postgres a", "Prod runs Postgres.", id="pg-old", created="2026-10-01", **common)
    newer = write_note(fresh_vault, "Postgres b", "Prod runs Postgres.", id="pg-new", created="2026-11-01", **common)
    service.store.reconcile()
    (first,) = Consolidator(service).run().proposed
    assert first.ids == ("pg-old", "pg-new")
    newer.write_text(newer.read_text().replace("id: pg-new", "id: pg-new\nreviewed: 2026-12-01"))
    service.store.reconcile()

    with pytest.raises(Refused, match="no longer holds"):
        accept(service, first.key)  # written before the review: it would retire the reviewed note
    assert status(service, "pg-new") == status(service, "pg-old") == "active"

    (second,) = Consolidator(service).run().proposed
    assert second.ids == ("pg-new", "pg-old") and second.key != first.key
    accept(service, second.key)
    assert status(service, "pg-old") == "deprecated" and status(service, "pg-new") == "active"


def test_rejecting_one_direction_leaves_the_other(service: MemoryService, fresh_vault: Path) -> None:
    common = {"project": "shop", "source_type": "user", "title": "Queues"}
    write_note(fresh_vault, "Queues a", "Queues are FIFO.", id="q-old", created="2026-10-01", **common)
    newer = write_note(fresh_vault, "Queues b", "Queues are FIFO.", id="q-new", created="2026-11-01", **common)
    service.store.reconcile()
    (first,) = Consolidator(service).run().proposed
    reject(service, first.key)
    newer.write_text(newer.read_text().replace("id: q-new", "id: q-new\nreviewed: 2026-12-01"))
    service.store.reconcile()
    (second,) = Consolidator(service).run().proposed
    assert second.ids == ("q-new", "q-old")  # "retire the old for the reviewed" is still asked


# --- 3. near-duplicates that disagree, and settled pairs ------------------------------------------------
def test_disagreeing_texts() -> None:
    assert disagree("Always run migrations before deploy", "Never run migrations before deploy")
    assert disagree("The API runs on Node 18", "The API runs on Node 20")
    assert disagree("Retry 3 times", "Retry 5 times")
    assert not disagree("Retry three times then give up", "Retries 3 times before giving up")
    assert not disagree("Use uv, not pip", "Use uv rather than pip")


def test_the_rule_never_merges_notes_that_disagree(service: MemoryService, fresh_vault: Path) -> None:
    notes = [
        ("m1", "Migrations before deploy", "Always run database migrations before a deploy."),
        ("m2", "Migrations before deploy!", "Never run database migrations before a deploy."),
        ("n1", "Node version", "The API service runs on Node 18 in production."),
        ("n2", "Node version!", "The API service runs on Node 20 in production."),
        ("r1", "Webhook retries", "Failed webhooks are retried 3 times."),
        ("r2", "Webhook retries!", "Failed webhooks are retried 5 times."),
        ("p1", "Billing port", "The billing service listens on port 9011."),
        ("p2", "Billing port!", "The billing service listens on port 9022."),
        ("p3", "Billing port?", "The billing service listens on port 9033."),
    ]
    for n, (note_id, title, body) in enumerate(notes):
        write_note(fresh_vault, title, body, id=note_id, title=title.rstrip("!?"), project="shop",
                   created=f"2026-11-{n + 1:02d}", source_type="user")  # fmt: skip
    service.store.reconcile()
    report = Consolidator(service).run()
    assert [p for p in report.proposed if p.kind == "merge"] == []
    assert all("say the same" not in p.evidence for p in report.proposed)


def test_settled_pairs_are_not_proposed_and_the_newer_is_kept(service: MemoryService, fresh_vault: Path) -> None:
    a = ("Staging resets on Sundays", "The staging database is wiped every Sunday at 02:00 UTC; keep no test data.")
    b = (
        "Staging is wiped every Sunday",
        "Every Sunday at 02:00 UTC the staging database gets wiped; keep no test data.",
    )
    common = {"project": "shop", "source_type": "user"}
    write_note(fresh_vault, a[0], a[1], id="s-old", created="2026-10-01", **common)
    write_note(fresh_vault, b[0], b[1], id="s-new", created="2026-11-01", **common)
    service.store.reconcile()
    (merge,) = [p for p in Consolidator(service).run().proposed if p.kind == "merge"]
    assert merge.ids == ("s-new", "s-old")  # the newer, what was learnt last, is kept

    for link in ({"consistent_with": [f"[[{a[0]}]]"]}, {"supersedes": [f"[[{a[0]}]]"]}):
        write_note(fresh_vault, b[0], b[1], id="s-new", created="2026-11-01", **common, **link)
        service.store.reconcile()
        report = Consolidator(service).run()
        assert [p for p in report.proposed if p.kind == "merge"] == [], link


# --- 4. contradictions across projects, supersede loops -------------------------------------------------
def test_a_contradiction_across_projects_retires_nothing(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Shop currency", "Prices are in EUR.", id="shop", project="shop", created="2026-10-01",
               reviewed="2026-10-02")  # fmt: skip
    write_note(fresh_vault, "Billing currency", "Prices are in USD.", id="bill", project="billing",
               created="2026-11-01", contradicts=["[[Shop currency]]"])  # fmt: skip
    service.store.reconcile()
    assert [p for p in Consolidator(service).run().proposed if p.kind == "deprecate"] == []


def test_a_supersede_loop_is_for_the_person_and_never_retires_both(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Deploy A", "Deploy with fabric.", id="a", supersedes=["[[Deploy B]]"])
    write_note(fresh_vault, "Deploy B", "Deploy with the pipeline.", id="b", supersedes=["[[Deploy A]]"])
    service.store.reconcile()
    report = Consolidator(service).run()
    assert [p.kind for p in report.proposed] == ["review"]
    (loop,) = report.proposed
    assert set(loop.ids) == {"a", "b"} and "loop" in loop.evidence
    with pytest.raises(Refused, match="changes nothing"):
        accept(service, loop.key)
    assert status(service, "a") == status(service, "b") == "active"

    service.deprecate("b")  # retired meanwhile (as the old rule proposed): the other is not retired for it
    assert [p.kind for p in Consolidator(service).run().proposed if p.kind == "deprecate"] == []


# --- 5. stale notes -------------------------------------------------------------------------------------
def test_stale_backlog_counts_only_undecided_proposals(
    service: MemoryService, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consolidate, "MAX_STALE", 3)
    for n in range(5):
        write_note(fresh_vault, f"Old {n}", f"Legacy fact number {n}.", id=f"old-{n}", created=OLD, updated=OLD)
    service.store.reconcile()
    later = time.time() + 400 * 86400  # the files are old by then
    service.store.ledger.shown(["nothing"], None, at=time.time())
    today = dt.date.fromtimestamp(later)
    first = Consolidator(service, today=today, now=later).run().proposed
    assert len(first) == 3
    for p in first:
        reject(service, p.key)
    second = Consolidator(service, today=today, now=later).run().proposed
    assert sorted(i for p in second for i in p.ids) == sorted({f"old-{n}" for n in range(5)} - {first[0].ids[0],
                                                              first[1].ids[0], first[2].ids[0]})  # fmt: skip


def test_a_note_just_added_reviewed_lately_or_in_a_playbook_is_not_stale(
    service: MemoryService, fresh_vault: Path
) -> None:
    write_note(fresh_vault, "Just added", "Copied in from another vault.", id="added", project="shop", created=OLD,
               updated=OLD)  # fmt: skip
    service.store.reconcile()
    service.store.ledger.shown(["nothing"], None, at=time.time() - 400 * 86400)
    assert Consolidator(service).run().proposed == []  # seconds in the vault: not "never shown" for 180 days

    later = time.time() + 400 * 86400
    today = dt.date.fromtimestamp(later)
    reviewed = write_note(fresh_vault, "Reviewed", "Checked and still true.", id="rev", project="shop", created=OLD,
                          updated=OLD, reviewed=(today - dt.timedelta(days=1)).isoformat())  # fmt: skip
    write_note(fresh_vault, "In the playbook", "Read before a release.", id="pb", project="shop", created=OLD,
               updated=OLD)  # fmt: skip
    playbook = playbook_file(fresh_vault, "shop")
    playbook.parent.mkdir(parents=True, exist_ok=True)
    playbook.write_text("# shop\n\nBefore a release: [[In the playbook]].\n")
    service.store.reconcile()
    stale = {p.ids[0] for p in Consolidator(service, today=today, now=later).run().proposed if p.kind == "stale"}
    assert stale == {"added"}  # old enough by then; the reviewed and the playbook's note are not
    assert reviewed.exists()


# --- 6. proposal files ----------------------------------------------------------------------------------
def test_an_obsolete_proposal_opens_again_when_its_case_holds_again(service: MemoryService, fresh_vault: Path) -> None:
    common = {"project": "shop", "source_type": "user", "title": "Tabs"}
    write_note(fresh_vault, "Tabs a", "Indent with tabs.", id="t1", created="2026-10-01", **common)
    other = write_note(fresh_vault, "Tabs b", "Indent with tabs.", id="t2", created="2026-11-01", **common)
    service.store.reconcile()
    (proposal,) = Consolidator(service).run().proposed
    text = other.read_text()
    other.write_text(text.replace("Indent with tabs.", "The office closes at noon on Fridays."))
    service.store.reconcile()
    Consolidator(service).run()
    assert ProposalBook(fresh_vault).open() == []
    other.write_text(text)
    service.store.reconcile()
    assert [p.key for p in Consolidator(service).run().proposed] == [proposal.key]
    assert [p.key for _, p in ProposalBook(fresh_vault).open()] == [proposal.key]  # --list shows it
    accept(service, proposal.key)
    assert status(service, "t2") == "deprecated"


def test_concurrent_runs_write_one_file_and_a_decided_proposal_is_never_applied(
    service: MemoryService, fresh_vault: Path
) -> None:
    common = {"project": "shop", "source_type": "user", "title": "Locks"}
    write_note(fresh_vault, "Locks a", "Take the advisory lock first.", id="l1", created="2026-10-01", **common)
    write_note(fresh_vault, "Locks b", "Take the advisory lock first.", id="l2", created="2026-11-01", **common)
    service.store.reconcile()
    threads = [threading.Thread(target=lambda: Consolidator(service).run()) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (path,) = proposal_files(fresh_vault)
    key = path.stem

    # A copy left by an older version: rejecting closes every copy, and accept refuses the decided one.
    (path.parent / f"{key} 2.md").write_text(path.read_text())
    reject(service, key)
    assert ProposalBook(fresh_vault).open() == []
    with pytest.raises(Refused, match="already rejected"):
        accept(service, key)
    assert status(service, "l1") == status(service, "l2") == "active"
    with pytest.raises(NotFound):
        accept(service, "merge-0000000000")


# --- 7. accept looks only at its own notes --------------------------------------------------------------
def test_accept_rechecks_only_the_proposals_notes(
    service: MemoryService, fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_note(fresh_vault, "Old", "Deploy with fabric.", id="old")
    write_note(fresh_vault, "New", "Deploy with the pipeline.", id="new", supersedes=["[[Old]]"])
    for n in range(30):
        write_note(fresh_vault, f"Other {n}", f"Unrelated fact {n}.", id=f"other-{n}")
    service.store.reconcile()
    (proposal,) = Consolidator(service).run().proposed
    asked: list[object] = []
    find = Consolidator.find

    def spy(self: Consolidator, only: object = None) -> list[Proposal]:
        asked.append(only)
        return find(self, only)  # type: ignore[arg-type]

    monkeypatch.setattr(Consolidator, "find", spy)
    accept(service, proposal.key)
    assert asked and all(only is not None and set(only) == {"old", "new"} for only in asked)  # type: ignore[call-overload]
    assert status(service, "old") == "deprecated"


# --- 8. secrets -----------------------------------------------------------------------------------------
def test_a_secret_in_a_title_is_never_copied(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Old token", "The deploy token rotates monthly.", id="old-tok", project="shop",
               created="2026-10-01")  # fmt: skip
    write_note(fresh_vault, "New token", "The deploy token rotates weekly.", id="new-tok", project="shop",
               created="2026-11-01", title=f"Deploy token {SECRET}", contradicts=["[[Old token]]"])  # fmt: skip
    service.store.reconcile()
    assert service.store.catalog.by_id("new-tok")[0].withheld
    report = Consolidator(service).run()
    (proposal,) = report.proposed
    assert SECRET not in str(report.to_json()) and "new-tok" in proposal.evidence
    assert all(SECRET not in p.read_text() for p in proposal_files(fresh_vault))
    accept(service, proposal.key)
    assert all(SECRET not in b.summary for b in service.history(20))


# --- 10. the merge's link back --------------------------------------------------------------------------
def test_the_link_back_resolves_to_the_retired_note_of_the_same_name(service: MemoryService, fresh_vault: Path) -> None:
    common = {"project": "shop", "source_type": "user", "title": "Deploy window"}
    write_note(fresh_vault, "Deploy window", "Deploys happen on Tuesdays.", folder="memem/memories/a", id="w1",
               created="2026-10-01", **common)  # fmt: skip
    write_note(fresh_vault, "Deploy window", "Deploys happen on Tuesdays.", folder="memem/memories/b", id="w2",
               created="2026-11-01", **common)  # fmt: skip
    service.store.reconcile()
    (proposal,) = Consolidator(service).run().proposed
    accept(service, proposal.key)
    keeper = (fresh_vault / "memem/memories/a/Deploy window.md").read_text()
    assert "[[memem/memories/b/Deploy window]]" in keeper
    w1, w2 = (service.store.catalog.by_id(i)[0].uid for i in ("w1", "w2"))
    with service.store.lock:
        edges = [(e.source, e.target) for e in service.store.graph.edges() if e.kind == "supersedes"]
    assert edges == [(w1, w2)]
