"""Writes are atomic, never clobber, and merge with a concurrent edit instead of overwriting it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from memem.vault import writer
from memem.vault.frontmatter import edit_keys
from memem.vault.note import Note, parse_note
from tests.deep_trees import deep_folders, remove_deep_folders


def test_create_new_never_replaces(tmp_path: Path) -> None:
    first = writer.create_new(tmp_path, "Use uv: always?", b"one")
    second = writer.create_new(tmp_path, "Use uv: always?", b"two")
    assert first.name == "Use uv always.md"
    assert second.name == "Use uv always 2.md"
    assert first.read_bytes() == b"one" and second.read_bytes() == b"two"


def test_update_applies_change_to_current_text(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_text("---\nid: a\n---\nbody\n")
    writer.update(path, lambda text: edit_keys(text, {"status": "deprecated"}))
    assert "status: deprecated" in path.read_text()


def test_update_of_a_vanished_note(tmp_path: Path) -> None:
    with pytest.raises(writer.NoteVanished):
        writer.update(tmp_path / "gone.md", lambda t: t)


def test_concurrent_editor_save_is_merged_not_lost(tmp_path: Path) -> None:
    """Obsidian saves the body while memem sets a property: both changes survive."""
    path = tmp_path / "n.md"
    path.write_text("---\nid: a\n---\nfirst body\n")
    started, saved = threading.Event(), threading.Event()

    def slow_change(text: str) -> str:
        if not saved.is_set():
            started.set()
            saved.wait(5)  # the person saves while memem is deciding
        return edit_keys(text, {"reviewed": "2026-11-24"})

    def person_saves() -> None:
        started.wait(5)
        path.write_text("---\nid: a\n---\nthe person's new body\n")
        saved.set()

    t = threading.Thread(target=person_saves)
    t.start()
    writer.update(path, slow_change)
    t.join()
    note = parse_note("n.md", path.read_bytes())
    assert isinstance(note, Note)
    assert note.reviewed == "2026-11-24"
    assert "the person's new body" in note.body


def test_file_names_obsidian_accepts() -> None:
    from memem.vault.filenames import note_stem

    assert note_stem('a/b\\c:d*e?f"g<h>i|j#k^l[m]n') == "a b c d e f g h i j k l m n"
    assert note_stem("   ...  ") == "memory"
    assert note_stem("CON") == "memory"
    long = note_stem("word " * 60)
    assert len(long) <= 100 and not long.endswith(" ")


def test_recovery_walks_a_folder_nested_a_thousand_deep(tmp_path: Path) -> None:
    """Every command that opens the index runs `recover` first; Python 3.11's recursive os.walk raised
    RecursionError on a tree this deep, and then no command worked at all."""
    memories = tmp_path / "memories"
    deep_folders(memories, 1000)
    bottom = memories.joinpath(*["d"] * 1000)
    leftover = f"{bottom}/{writer.TEMP_PREFIX}x.md"
    fd = os.open(leftover, os.O_CREAT | os.O_WRONLY)
    os.close(fd)
    try:
        done = writer.recover(memories)
        assert done == [f"removed the leftover temp file {writer.TEMP_PREFIX}x.md"]
        assert not os.path.exists(leftover)
    finally:
        remove_deep_folders(memories)


def test_a_note_that_is_no_longer_a_readable_file_is_an_answer_not_a_traceback(tmp_path: Path) -> None:
    """`memem get` and every edit read the note through `read_note`: a folder at its name is a gone
    note; no permission, a pipe (which would block the read for good) or a symlink is refused, saying why."""
    from memem.errors import Refused
    from tests.unreadable import without_root_reads

    folder = tmp_path / "ghost.md"
    folder.mkdir()
    with pytest.raises(writer.NoteVanished, match="no longer a note file"):
        writer.read_note(folder)
    with pytest.raises(writer.NoteVanished):
        writer.update(folder, lambda text: text + "x")
    os.mkfifo(tmp_path / "pipe.md")
    with pytest.raises(Refused, match="no longer a regular file"):
        writer.read_note(tmp_path / "pipe.md")
    (tmp_path / "link.md").symlink_to("/etc/hostname")
    with pytest.raises(Refused, match="symlink"):
        writer.read_note(tmp_path / "link.md")
    locked = tmp_path / "locked.md"
    locked.write_text("---\nid: locked\n---\nx\n")
    locked.chmod(0)
    try:
        with without_root_reads(), pytest.raises(writer.NoteUnreadable, match="permission denied"):
            writer.update(locked, lambda text: text + "x")
    finally:
        locked.chmod(0o644)
