"""The note merge driver: typed links merge as sets, a conflicting edit becomes two notes linked
`contradicts`, and no note ever holds a conflict marker — in unit cases and through real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from memem.teams import membership
from memem.teams.merge_driver import merge_note
from memem.teams.propose import propose
from memem.testing import note_text
from memem.vault import frontmatter
from memem.vault.note import Note, parse_note

from .conftest import commit_file, git

PATH = "memories/Deploys.md"
MARKERS = ("<<<<<<<", ">>>>>>>", "\n=======\n")


def props(text: str) -> dict[str, object]:
    return frontmatter.load(frontmatter.split(text).yaml_text or "")


def body(text: str) -> str:
    return frontmatter.split(text).body.strip()


BASE = note_text(
    "Line one stays.\n\nDeploy with the release script.\n\nLine three stays.",
    id="n1", title="Deploys", kind="convention", importance=3, updated="2026-11-01",
    related=["[[a]]", "[[b]]"], tags=["deploy"],
)  # fmt: skip


def edit(text: str, **changes: object) -> str:
    out = frontmatter.edit_keys(text, {k: v for k, v in changes.items() if k != "body"})
    if "body" in changes:
        old = body(text)
        out = out.replace(old, str(changes["body"]))
    return out


def test_typed_links_merge_as_three_way_sets() -> None:
    ours = edit(BASE, related=["[[a]]", "[[b]]", "[[c]]"], supports=["[[x]]"])
    theirs = edit(BASE, related=["[[a]]", "[[d]]"], tags=["deploy", "ci"])  # removed [[b]], added [[d]]
    merged = merge_note(BASE, ours, theirs, PATH)
    assert merged.sibling is None
    p = props(merged.text)
    assert p["related"] == ["[[a]]", "[[c]]", "[[d]]"]  # b: removed by one side, untouched by the other
    assert p["supports"] == ["[[x]]"] and p["tags"] == ["deploy", "ci"]
    assert body(merged.text) == body(BASE)


def test_other_properties_take_the_side_that_changed_them_and_dates_the_later() -> None:
    ours = edit(BASE, importance=5, updated="2026-12-01")
    theirs = edit(BASE, importance=4, updated="2026-12-03", status="deprecated", valid_to="2026-12-03")
    p = props(merge_note(BASE, ours, theirs, PATH).text)
    assert (p["importance"], p["updated"], p["status"], p["valid_to"]) == (5, "2026-12-03", "deprecated", "2026-12-03")


def test_edits_of_different_lines_merge_into_one_note() -> None:
    ours = edit(BASE, body=body(BASE).replace("Line one stays.", "Line one, edited by us."))
    theirs = edit(BASE, body=body(BASE).replace("Line three stays.", "Line three, edited by them."))
    merged = merge_note(BASE, ours, theirs, PATH)
    assert merged.sibling is None
    assert "edited by us" in merged.text and "edited by them" in merged.text
    assert not any(m in merged.text for m in MARKERS)


def test_a_clean_merge_keeps_the_persons_comments_and_empty_properties() -> None:
    """The merged note was written anew: `# ask carol …` comments and `tags: []` were gone, and an
    edit of ours to a comment alone vanished."""
    head = "---\nid: rb\ntitle: Runbook\nowner: carol   # ask carol before changing the escalation order\n"
    base = head + "escalation: [pager, slack]  # order matters\ntags: []\n---\n\nline one\nline two\nline three\n"
    ours = base.replace("line one", "line one, edited by bob").replace("# order matters", "# order matters (bob)")
    theirs = base.replace("line three", "line three, edited by carol")
    merged = merge_note(base, ours, theirs, "memories/Runbook.md").text
    assert merged == ours.replace("line three", "line three, edited by carol")


def test_a_review_does_not_vouch_for_the_other_sides_edit() -> None:
    """Ours reviewed the text as it was; theirs changed it: the merge kept ours' review date on the
    changed text, which then skipped the review queue."""
    base = "---\nid: d\ntitle: Deploy\n---\n\nDeploy with make deploy.\n"
    ours = base.replace("title: Deploy\n", "title: Deploy\nreviewed: '2026-12-01'\n")
    theirs = base.replace("make deploy.", "make deploy --force, skipping the tests.")
    merged = merge_note(base, ours, theirs, "memories/Deploy.md").text
    assert "--force" in merged and "reviewed" not in merged
    again = merge_note(base, ours, base.replace("title: Deploy\n", "title: Deploy\ntags: [ops]\n"), "x.md").text
    assert "reviewed: '2026-12-01'" in again  # the text it read is the text kept: the review stands


def test_two_new_notes_that_chose_one_file_name_stay_two_notes_with_their_own_ids() -> None:
    """Alice's and Bob's own "Deploy checklist" were merged as one note edited twice: Bob's took an id
    made from Alice's, and each was said to contradict the other."""
    alice = "---\nid: alice-dc\ntitle: Deploy checklist\n---\n\nTag, build, deploy to staging.\n"
    bob = "---\nid: bob-dc\ntitle: Deploy checklist\n---\n\nFreeze merges, then deploy.\n"
    merged = merge_note("", alice, bob, "memories/api/Deploy checklist.md")
    assert merged.text == alice and merged.sibling is not None and merged.sibling.text == bob
    assert merged.sibling.name.startswith("Deploy checklist (") and "contradicts" not in merged.sibling.text


def test_conflicting_text_becomes_two_notes_that_contradict_each_other() -> None:
    ours = edit(BASE, body=body(BASE).replace("release script", "release script, signed"), reviewed="2026-12-02",
                related=["[[a]]", "[[b]]", "[[c]]"])  # fmt: skip
    theirs = edit(BASE, body=body(BASE).replace("release script", "make release"), supports=["[[x]]"])
    merged = merge_note(BASE, ours, theirs, PATH)
    assert merged.sibling is not None
    kept, other = merged.text, merged.sibling.text
    assert not any(m in kept + other for m in MARKERS)
    assert "signed" in kept and "make release" in other
    mine, theirs_p = props(kept), props(other)
    sibling_stem = merged.sibling.name.removesuffix(".md")
    assert mine["contradicts"] == [f"[[{sibling_stem}]]"] and theirs_p["contradicts"] == ["[[Deploys]]"]
    assert mine["id"] == "n1" and theirs_p["id"] != "n1" and str(theirs_p["id"]).startswith("n1-")
    assert "reviewed" not in mine and "reviewed" not in theirs_p  # a person decides which one holds
    for p in (mine, theirs_p):  # links the two sides added are on both
        assert p["related"] == ["[[a]]", "[[b]]", "[[c]]"] and p["supports"] == ["[[x]]"]
    for text, name in ((kept, "Deploys.md"), (other, merged.sibling.name)):
        note = parse_note(f"memories/{name}", text.encode())
        assert isinstance(note, Note), note  # both are notes memem indexes
    # Deterministic: git may run the driver again on the same inputs (a rebase, a retried merge).
    assert merge_note(BASE, ours, theirs, PATH) == merged


def test_a_conflicting_title_is_two_memories_too() -> None:
    merged = merge_note(BASE, edit(BASE, title="Deploy by script"), edit(BASE, title="Deploy by make"), PATH)
    assert merged.sibling is not None
    assert props(merged.text)["title"] == "Deploy by script" and props(merged.sibling.text)["title"] == "Deploy by make"


def test_a_note_whose_properties_cannot_be_read_still_never_gets_markers() -> None:
    broken = "---\ntitle: [unclosed\n---\n\nsomething else entirely\n"
    merged = merge_note(BASE, broken, edit(BASE, body="their text"), PATH)
    assert merged.sibling is not None
    assert not any(m in merged.text + merged.sibling.text for m in MARKERS)


def _repo_has_no_markers(repo: Path) -> None:
    for path in (repo / "memories").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert not any(m in text for m in MARKERS), path


def test_two_people_propose_edits_of_one_note_and_the_merge_keeps_both_without_markers(
    tmp_path: Path, origin: Path, maintainer: Path
) -> None:
    """Two vaults hold the team; each person edits the same team note (a link each, and the text
    differently) and proposes it; the maintainer merges both proposals with plain `git merge`."""
    rel = "memem/teams/acme/memories/Deploys go through the release script.md"
    branches = []
    for person, link, words in (("ada", "related", "sign every tag"), ("bob", "supports", "make release tags")):
        vault = tmp_path / f"vault-{person}"
        (vault / "memem" / "memories").mkdir(parents=True)
        membership.add(vault, str(origin))
        note = vault / rel
        text = frontmatter.edit_keys(note.read_text(), {link: ["[[Staging first]]", f"[[{person} link]]"]})
        note.write_text(text.replace("never push release tags by hand", words), encoding="utf-8")
        branches.append(propose(vault, "acme", [("team-release", rel)]).branch)

    git(maintainer, "fetch", "--quiet")
    git(maintainer, "merge", "--quiet", f"origin/{branches[0]}")
    second = subprocess.run(["git", "-C", str(maintainer), "merge", "--no-edit", f"origin/{branches[1]}"],
                            capture_output=True, text=True)  # fmt: skip
    assert second.returncode == 1  # stopped for the pair to be committed, not for markers
    _repo_has_no_markers(maintainer)
    kept = membership.finish_merge(maintainer)
    assert kept == ["memories/Deploys go through the release script.md"]
    assert git(maintainer, "status", "--porcelain").strip() == ""
    _repo_has_no_markers(maintainer)

    kept_note = maintainer / "memories/Deploys go through the release script.md"
    notes = [kept_note, *(p for p in (maintainer / "memories").glob("Deploys go through*.md") if p != kept_note)]
    assert len(notes) == 2
    first, other = (props(p.read_text()) for p in notes)
    assert "[[ada link]]" in first["related"] and "[[bob link]]" in first["supports"]  # the union of both
    assert "[[ada link]]" in other["related"] and "[[bob link]]" in other["supports"]
    assert "sign every tag" in notes[0].read_text() and "make release tags" in notes[1].read_text()
    assert first["contradicts"] == [f"[[{notes[1].stem}]]"] and other["contradicts"] == [f"[[{notes[0].stem}]]"]


def test_sync_of_a_writable_clone_with_its_own_commit_merges_through_the_driver(
    tmp_path: Path, origin: Path, maintainer: Path
) -> None:
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    team = membership.add(vault, str(origin), writable=True)
    name = "memories/Deploys go through the release script.md"
    mine = (team.folder / name).read_text()
    commit_file(team.folder, name, mine.replace("never push", "do not ever push"), "local edit")
    theirs = (maintainer / name).read_text()
    commit_file(maintainer, name, frontmatter.edit_keys(theirs.replace("never push", "nobody pushes"),
                                                        {"supports": ["[[Tags are signed]]"]}))  # fmt: skip
    git(maintainer, "push", "--quiet", "origin", "main")

    (result,) = membership.sync(vault)
    assert result.error is None and result.kept_both == [name]
    _repo_has_no_markers(team.folder)
    assert git(team.folder, "status", "--porcelain").strip() == ""
    assert len(list((team.folder / "memories").glob("Deploys go through the release script*.md"))) == 2


def test_a_maintainer_merges_a_proposal_with_memem_team_merge(tmp_path: Path, origin: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    (vault / "memem" / "memories" / "Mine.md").write_text(note_text("Use uv.", id="own-uv", title="Use uv"))
    membership.add(vault, str(origin))
    proposal = propose(vault, "acme", [("own-uv", "memem/memories/Mine.md")])
    result = membership.merge_branch(vault, "acme", proposal.branch)
    assert result.changed == ["memories/global/Use uv.md"]
    assert "Use uv" in git(origin, "show", "main:memories/global/Use uv.md")


def test_a_merge_the_driver_did_not_settle_is_undone_not_committed(tmp_path: Path, origin: Path) -> None:
    """A driver that failed (here: not runnable) leaves ours in the file, clean-looking; committing it
    would drop their edit silently, so `sync` undoes the merge and says so."""
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    team = membership.add(vault, str(origin), writable=True)
    git(team.folder, "config", "merge.memem.driver", "false")
    name = "memories/Deploys go through the release script.md"
    mine = (team.folder / name).read_text()
    commit_file(team.folder, name, mine.replace("never push", "do not ever push"), "local edit")
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(other)], check=True)
    commit_file(other, name, (other / name).read_text().replace("never push", "nobody pushes"))
    git(other, "push", "--quiet", "origin", "main")

    (result,) = membership.sync(vault)
    assert result.error is not None and "could not settle" in result.error
    assert "do not ever push" in (team.folder / name).read_text()  # ours, as it was before the pull
    assert git(team.folder, "status", "--porcelain").strip() == ""  # no merge left half done
