"""The walk finds memory notes and refuses, with a reason, what it must not follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from memem.vault.note import BadNote
from memem.vault.scan import FileStat, is_memory_path, walk


def test_walk_skips_hidden_trash_temp_and_non_markdown(fresh_vault: Path) -> None:
    mem = fresh_vault / "memem" / "memories"
    for rel in [
        "a.md", "sub/b.md", ".obsidian/c.md", ".trash/d.md", "e.md~", ".e.md.swp", "#f.md#", "g.txt",
        ".hidden.md", "4913", "h.md.tmp", "sub/.git/i.md",
    ]:  # fmt: skip
        path = mem / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (fresh_vault / "outside.md").write_text("x")
    found = sorted(e.path for e in walk(fresh_vault, "memem/memories") if isinstance(e, FileStat))
    assert found == ["memem/memories/a.md", "memem/memories/sub/b.md"]


def test_symlink_out_of_the_vault_is_reported(fresh_vault: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.md"
    secret.write_text("---\nid: s\n---\n")
    (fresh_vault / "memem" / "memories" / "link.md").symlink_to(secret)
    (fresh_vault / "memem" / "memories" / "real.md").write_text("x")
    (fresh_vault / "memem" / "memories" / "inner.md").symlink_to(fresh_vault / "memem" / "memories" / "real.md")
    entries = list(walk(fresh_vault, "memem/memories"))
    bad = [e for e in entries if isinstance(e, BadNote)]
    assert [b.path for b in bad] == ["memem/memories/link.md"]
    assert "outside the vault" in bad[0].reason
    assert [e.path for e in entries if isinstance(e, FileStat)] == ["memem/memories/real.md"]


def test_huge_file_is_reported_not_read(fresh_vault: Path) -> None:
    (fresh_vault / "memem" / "memories" / "big.md").write_bytes(b"x" * 2_000_000)
    (bad,) = list(walk(fresh_vault, "memem/memories"))
    assert isinstance(bad, BadNote) and "too large" in bad.reason


def test_is_memory_path() -> None:
    assert is_memory_path("memem/memories/x/y.md", "memem/memories")
    assert not is_memory_path("memem/memories/.obsidian/y.md", "memem/memories")
    assert not is_memory_path("notes/y.md", "memem/memories")
    assert not is_memory_path("memem/memories/y.md.swp", "memem/memories")


def test_a_single_path_is_never_read_through_a_symlinked_folder(fresh_vault: Path, tmp_path: Path) -> None:
    """The watcher hands over single paths: they get the walk's rules, folders on the way included."""
    from memem.index.store import read_note_file
    from memem.vault.scan import stat_one

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "note.md").write_text("---\nid: outside\n---\nfrom elsewhere\n")
    memories = fresh_vault / "memem" / "memories"
    (memories / "ext").symlink_to(outside, target_is_directory=True)
    walked = list(walk(fresh_vault, "memem/memories"))
    assert [(b.path, "symlinked folder" in b.reason) for b in walked if isinstance(b, BadNote)] == [
        ("memem/memories/ext/", True)
    ]
    single = stat_one(fresh_vault, "memem/memories", "memem/memories/ext/note.md")
    assert isinstance(single, BadNote) and single.path == "memem/memories/ext/"
    # A folder swapped for a symlink after the stat: the open sees where it really leads.
    real = memories / "real"
    real.mkdir()
    (real / "note.md").write_text("---\nid: real\n---\ninside\n")
    st = stat_one(fresh_vault, "memem/memories", "memem/memories/real/note.md")
    assert isinstance(st, FileStat)
    real.rename(memories / "moved")
    (memories / "real").symlink_to(outside, target_is_directory=True)
    read = read_note_file(fresh_vault, st, memories="memem/memories")
    assert isinstance(read, BadNote) and "symlink" in read.reason


def test_a_folder_events_walk_never_goes_through_a_symlink(fresh_vault: Path, tmp_path: Path) -> None:
    """Audit: a folder holding a symlink to `/`, renamed while the daemon watched, had the daemon walk
    the whole file system (watchdog reports the symlink as a moved folder, and the walk started there).
    A folder event's walk follows `memem index`'s rules: the symlinked folder is reported, not entered."""
    from memem.vault.scan import SYMLINKED_FOLDER, walk_folder, walk_under

    memories = fresh_vault / "memem" / "memories"
    (memories / "b").mkdir()
    (memories / "b" / "b1.md").write_text("---\nid: b1\n---\nx\n")
    (memories / "b" / "rootlink").symlink_to("/")
    (memories / "b" / "linked").symlink_to(memories / "b")
    reported = [BadNote("memem/memories/b/rootlink/", SYMLINKED_FOLDER)]
    assert list(walk_folder(fresh_vault, "memem/memories", "memem/memories/b/rootlink")) == reported
    assert list(walk_folder(fresh_vault, "memem/memories", "memem/memories/b/rootlink/etc")) == reported
    assert list(walk_folder(fresh_vault, "memem/memories", "memem/memories/b/linked")) == [
        BadNote("memem/memories/b/linked/", SYMLINKED_FOLDER)
    ]
    walked = sorted(e.path for e in walk_under(fresh_vault, ("memem/memories",), "memem/memories/b"))
    assert walked == ["memem/memories/b/b1.md", "memem/memories/b/linked/", "memem/memories/b/rootlink/"]
    assert list(walk_under(fresh_vault, ("memem/memories",), "notes")) == []  # holds no memories folder
    assert len(list(walk_under(fresh_vault, ("memem/memories",), "memem"))) == 3  # holds it: walked whole


def test_folders_too_deep_are_reported_alike_by_the_walk_and_by_one_path(fresh_vault: Path) -> None:
    from memem.vault.scan import MAX_FOLDER_DEPTH, TOO_DEEP, stat_one, walk_folder

    memories = fresh_vault / "memem" / "memories"
    chain = "/".join(["d"] * (MAX_FOLDER_DEPTH + 5))
    (memories / chain).mkdir(parents=True)
    (memories / chain / "deep.md").write_text("---\nid: deep\n---\nx\n")
    kept = memories.joinpath(*["d"] * MAX_FOLDER_DEPTH) / "kept.md"
    kept.write_text("---\nid: kept\n---\nx\n")
    key = "memem/memories/" + "d/" * (MAX_FOLDER_DEPTH + 1)
    entries = list(walk(fresh_vault, "memem/memories"))
    assert [e.path for e in entries if isinstance(e, FileStat)] == [kept.relative_to(fresh_vault).as_posix()]
    assert [e for e in entries if isinstance(e, BadNote)] == [BadNote(key, TOO_DEEP)]
    assert stat_one(fresh_vault, "memem/memories", f"memem/memories/{chain}/deep.md") == BadNote(key, TOO_DEEP)
    assert list(walk_folder(fresh_vault, "memem/memories", f"memem/memories/{chain}")) == [BadNote(key, TOO_DEEP)]
    assert stat_one(fresh_vault, "memem/memories", f"memem/memories/{chain}/gone.md") is None


def test_nested_folder_events_are_walked_once_from_the_outermost() -> None:
    from memem.vault.scan import outermost

    folders = ["a/b/", "a/", "a-b/", "a/b/c/", "ab/", "x/y/", "a/c/"]
    assert outermost(folders) == ["a-b/", "a/", "ab/", "x/y/"]


def test_a_note_renamed_or_replaced_while_it_is_read_is_not_taken_for_a_symlink(
    fresh_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor's save by rename, or memem's own edit taking the note aside, between the open and
    the kernel's record of it: the file is still in its folder (under another name, or deleted).
    Reported as "leads through a symlink", the note left the indexes: "no memory with id"."""
    from memem.vault import files
    from memem.vault.files import FileRefused, read_bounded

    memories = fresh_vault / "memem" / "memories"
    note = memories / "n.md"
    note.write_text("---\nid: n\n---\nx\n")
    for kernel_says in (f"{note} (deleted)", str(memories / ".memem-aside-1234")):
        monkeypatch.setattr(files, "_opened_path", lambda fd, said=kernel_says: said)
        assert read_bounded(note, 1000, real_path=note) == note.read_bytes()
    monkeypatch.setattr(files, "_opened_path", lambda fd: "/elsewhere/n.md")
    with pytest.raises(FileRefused, match="symlink"):
        read_bounded(note, 1000, real_path=note)


def test_a_folder_events_walk_of_a_folder_whose_name_is_not_utf8_reports_it(fresh_vault: Path) -> None:
    """Moved in whole, such a folder sends one event: its walk reports it as `memem index` does."""
    import os

    from memem.vault.scan import NOT_UTF8_FOLDER, walk_folder

    memories = os.fsencode(fresh_vault / "memem" / "memories")
    os.makedirs(memories + b"/dossier-\xe9/inner")
    with open(memories + b"/dossier-\xe9/inner/n.md", "wb") as note:
        note.write(b"---\nid: n\n---\nx\n")
    for start in ("dossier-\udce9", "dossier-\udce9/inner"):
        walked = list(walk_folder(fresh_vault, "memem/memories", f"memem/memories/{start}"))
        assert walked == [BadNote("memem/memories/dossier-\\xe9/", NOT_UTF8_FOLDER)]
