"""Team vaults at their edges: a server that hangs, drafts that must stay the person's, names git would
quote, scope at every door (pinned notes, the vector leg, tensions), a manifest that cannot be read,
and merges the driver did not settle."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from pathlib import Path

from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.health import health
from memem.index.shared import SharedConfig, SharedIndex, SharedUnavailable
from memem.index.store import IndexStore
from memem.recall.query import Query
from memem.recall.search import search
from memem.teams import membership
from memem.teams.merge_driver import merge_note
from memem.testing import note_text, write_note
from memem.vault import frontmatter
from memem.vault.teams import teams

from .conftest import commit_file, git

NOTE = "memories/Deploys go through the release script.md"


def test_a_server_that_accepts_and_never_answers_costs_seconds_not_a_hang(minilm: MiniLMEmbedder) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    shared = SharedIndex(SharedConfig(f"http://127.0.0.1:{listener.getsockname()[1]}", None, "writer"), minilm)
    started = time.monotonic()
    with contextlib.suppress(SharedUnavailable):
        shared.count("acme")
    assert time.monotonic() - started < 10 and shared.reachable is False
    listener.close()


def _diverge(tmp_path: Path, origin: Path) -> tuple[Path, Path]:
    """A writable clone with its own commit on the note, and a teammate's different commit pushed."""
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    team = membership.add(vault, str(origin), writable=True)
    commit_file(team.folder, NOTE, (team.folder / NOTE).read_text().replace("never push", "do not ever push"))
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(other)], check=True)
    commit_file(other, NOTE, (other / NOTE).read_text().replace("never push", "nobody pushes"))
    git(other, "push", "--quiet", "origin", "main")
    return vault, team.folder


def test_a_settled_merge_commits_the_pair_and_never_the_persons_drafts(tmp_path: Path, origin: Path) -> None:
    vault, clone = _diverge(tmp_path, origin)
    draft = clone / "memories" / "Draft.md"
    draft.write_text(note_text("The staging key is AKIAIOSFODNN7EXAMPLE for now.", id="draft"), encoding="utf-8")
    (result,) = membership.sync(vault)
    assert result.error is None and result.kept_both == [NOTE]
    assert "Draft.md" not in git(clone, "log", "--all", "--name-only", "--format=")
    assert git(clone, "status", "--porcelain").strip() == "?? memories/Draft.md"  # still the person's, uncommitted


def test_a_note_whose_name_git_would_quote_still_merges(tmp_path: Path, origin: Path, maintainer: Path) -> None:
    name = "memories/Café rules — déploiement.md"
    commit_file(maintainer, name, note_text("Deploy on Tuesdays.", id="cafe", title="Café rules"))
    git(maintainer, "push", "--quiet", "origin", "main")
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    team = membership.add(vault, str(origin), writable=True)
    commit_file(team.folder, name, (team.folder / name).read_text().replace("Tuesdays", "Wednesdays"))
    commit_file(maintainer, name, (maintainer / name).read_text().replace("Tuesdays", "Thursdays"))
    git(maintainer, "push", "--quiet", "origin", "main")
    (result,) = membership.sync(vault)
    assert result.error is None and result.kept_both == [name]
    assert git(team.folder, "status", "--porcelain").strip() == ""


def test_a_stale_record_of_an_earlier_merge_never_lets_a_failed_driver_commit(tmp_path: Path, origin: Path) -> None:
    vault, clone = _diverge(tmp_path, origin)
    git_dir = clone / ".git"
    (git_dir / "memem-merge-settled").write_text(f"{NOTE}\tmemories/left over.md\n")  # from a pull done by hand
    git(clone, "config", "merge.memem.driver", "false")
    (result,) = membership.sync(vault)
    assert result.error is not None and "could not settle" in result.error
    assert "do not ever push" in (clone / NOTE).read_text()


def test_a_team_that_does_not_serve_a_project_is_kept_out_of_every_door(
    store: IndexStore, fresh_vault: Path, tmp_path: Path
) -> None:
    seed = membership.init_repo(tmp_path / "seed", "ops", ["infra"])
    pinned = note_text("Ops is on call for the payments project.", id="ops-pin", title="Ops on call", layer=0,
                       project="payments")  # fmt: skip
    commit_file(seed, "memories/Ops on call.md", pinned)
    commit_file(seed, "memories/Old timeout.md", note_text("Payments timeouts are 30 s.", id="ops-timeout",
                                                          title="Payments timeouts are 30 s"))  # fmt: skip
    membership.add(fresh_vault, str(seed))
    write_note(fresh_vault, "Payments timeouts", "Payments timeouts are 10 s.", id="own-timeout", project="payments",
               contradicts=["[[Old timeout]]"])  # fmt: skip
    store.reconcile()
    hits = search(store, Query("payments timeouts seconds", project="payments", rerank=0))
    ids = [h.id for h in hits]
    assert "ops-pin" not in ids and "ops-timeout" not in ids
    own = next(h for h in hits if h.id == "own-timeout")
    assert own.tensions == ()  # the tension's other side is a note this project may not see
    wide = search(
        store, Query("payments timeouts", project="payments", rerank=0, include_deprecated=True, mode="vector")
    )
    assert not [h for h in wide if h.row.team == "ops"]


def test_a_manifest_that_cannot_be_read_closes_the_team_and_doctor_says_so(
    store: IndexStore, fresh_vault: Path, origin: Path
) -> None:
    team = membership.add(fresh_vault, str(origin))
    (team.folder / "memem-team.json").write_text("{not json", encoding="utf-8")
    (broken,) = teams(fresh_vault)
    assert broken.broken and not broken.serves("api") and not broken.serves("web")
    store.reconcile()
    assert "team-release" not in [h.id for h in search(store, Query("release script", project="api", rerank=0))]
    assert any("cannot be read" in p.what for p in health(store).problems)


def test_a_manifest_nested_too_deep_closes_the_team_without_a_crash(fresh_vault: Path, origin: Path) -> None:
    """A teammate's repository decides what its manifest holds: JSON nested 200,000 deep raised
    RecursionError out of every reader of team folders."""
    team = membership.add(fresh_vault, str(origin))
    deep = "[" * 200_000 + "]" * 200_000
    (team.folder / "memem-team.json").write_text(deep, encoding="utf-8")
    (team.folder / ".git" / "memem.json").write_text(deep, encoding="utf-8")
    (broken,) = teams(fresh_vault)
    assert broken.broken and not broken.serves("api")
    try:
        membership.read_manifest(team.folder)
    except membership.Refused as refused:
        assert "too deep" in str(refused)
    else:
        raise AssertionError("a manifest nested 200,000 deep was read")
    membership.write_local(team.folder, writable=True)  # what was there is replaced, not a crash


def test_the_merge_driver_keeps_two_notes_when_both_sides_changed_any_property() -> None:
    base = note_text("Deploy by script.", id="n1", title="Deploys", deprecated_reason="old")
    ours = frontmatter.edit_keys(base, {"deprecated_reason": "ours reason"})
    theirs = frontmatter.edit_keys(base, {"deprecated_reason": "theirs reason"})
    merged = merge_note(base, ours, theirs, "memories/Deploys.md")
    assert merged.sibling is not None
    assert "ours reason" in merged.text and "theirs reason" in merged.sibling.text


def test_a_maintainer_merge_builds_on_the_teams_branch_as_it_is_now(
    tmp_path: Path, origin: Path, maintainer: Path
) -> None:
    from memem.teams.propose import propose

    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    (vault / "memem" / "memories" / "Mine.md").write_text(note_text("Use uv.", id="own-uv", title="Use uv"))
    membership.add(vault, str(origin))
    proposal = propose(vault, "acme", [("own-uv", "memem/memories/Mine.md")])
    commit_file(maintainer, "memories/Meanwhile.md", note_text("Meanwhile.", id="team-meanwhile"))
    git(maintainer, "push", "--quiet", "origin", "main")  # the team moved on since this clone's last pull
    membership.merge_branch(vault, "acme", proposal.branch)
    shown = git(origin, "ls-tree", "-r", "--name-only", "main")
    assert "memories/Meanwhile.md" in shown and "memories/global/Use uv.md" in shown


def test_only_notes_go_through_the_note_merge(tmp_path: Path) -> None:
    repo = membership.init_repo(tmp_path / "r", "acme", [])
    attributes = (repo / ".gitattributes").read_text()
    assert attributes == "memories/**/*.md merge=memem\n"
    check = git(repo, "check-attr", "merge", "--", "README.md", "memories/x/y.md")
    assert "README.md: merge: unspecified" in check and "memories/x/y.md: merge: memem" in check


def test_a_team_note_with_the_id_of_a_persons_own_note_does_not_lock_the_persons_note(
    store: IndexStore, fresh_vault: Path, tmp_path: Path
) -> None:
    """A pull brought a team note with the id of one of the person's notes: `get`, `deprecate` and
    `propose` of their own note then failed ("shared by 2 notes"). Their own note answers the id."""
    from memem.memory.service import MemoryService

    seed = membership.init_repo(tmp_path / "seed", "acme", ["api"])
    commit_file(seed, "memories/collide.md", note_text("The team's note.", id="bob-note", title="Collide"))
    membership.add(fresh_vault, str(seed))
    write_note(fresh_vault, "Bob's note", "Bob's own lesson.", id="bob-note", project="api")
    store.reconcile()
    service = MemoryService(store)
    assert service.resolve("bob-note").team is None
    service.deprecate("bob-note", reason="moved on")
    assert "status: deprecated" in (fresh_vault / service.resolve("bob-note").path).read_text()
