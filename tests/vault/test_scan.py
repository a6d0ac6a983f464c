"""The walk finds memory notes and refuses, with a reason, what it must not follow."""

from __future__ import annotations

from pathlib import Path

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
